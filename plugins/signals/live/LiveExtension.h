#pragma once
// What the signals plugin adds to the studio (SDK StudioExtension.h): Run → Stream a live trace…
// (Ctrl+L) opens the live window; a trace it saves joins the session as a run of the instability
// engine. The form's settings (never the key) are kept in the session.
//
// Scripted use, from the studio's command line:
//   --plugin-option live-url=URL         open the window on this server and stream at once
//   --plugin-option live-prompt=TEXT     the prompt streamed
//   --plugin-option live-screenshot=PNG  when the stream ends, save the window there and quit
#include "plugins/sdk/StudioExtension.h"

#include <QPointer>

namespace ls::live {

class LiveStreamWindow;

class LiveExtension final : public StudioExtension {
public:
    explicit LiveExtension(StudioContext& studio);
    ~LiveExtension() override;

    nlohmann::json state() const override;
    void restoreState(const nlohmann::json& state) override;

private:
    LiveStreamWindow* showWindow();
    void addTraceToSession(const QString& path);
    void streamFromStartupOptions();
    QString url_, prompt_, screenshot_; // --plugin-option live-url, live-prompt, live-screenshot

    StudioContext& studio_;
    QPointer<LiveStreamWindow> window_; // made on first use; deleted with the extension
    nlohmann::json settings_;           // restored before the window existed
};

} // namespace ls::live
