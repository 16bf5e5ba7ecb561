#include "LiveExtension.h"

#include "LiveStreamWindow.h"

#include <QAction>
#include <QCoreApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTimer>
#include <cstdio>

namespace ls::live {
namespace {
constexpr auto kInstabilityEngine = "reasoning.instability"; // this plugin's own engine
}

LiveExtension::LiveExtension(StudioContext& studio) : studio_(studio)
{
    auto* action = new QAction(QCoreApplication::translate("LiveExtension", "Stream a &live trace…"));
    action->setObjectName("signals.live");
    action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    QObject::connect(action, &QAction::triggered, [this] { showWindow(); });
    studio_.addMenuAction("Run", action);
    // All read now: the studio refuses options that no plugin read while being extended.
    url_ = studio_.startupOption("live-url");
    prompt_ = studio_.startupOption("live-prompt");
    screenshot_ = studio_.startupOption("live-screenshot");
    if (!url_.isEmpty())
        QTimer::singleShot(300, studio_.window(), [this] { streamFromStartupOptions(); });
}

LiveExtension::~LiveExtension()
{
    delete window_.data(); // its code is this plugin's: it goes before the library does
}

LiveStreamWindow* LiveExtension::showWindow()
{
    if (!window_) {
        window_ = new LiveStreamWindow(studio_.window());
        if (!settings_.is_null())
            window_->applySettings(settings_);
        QObject::connect(window_, &LiveStreamWindow::logMessage, [this](const QString& message, bool isError) { studio_.log(message, isError); });
        QObject::connect(window_, &LiveStreamWindow::traceSaved, [this](const QString& path) { addTraceToSession(path); });
    }
    window_->setTraceFolder(studio_.sessionFilesFolder("live"));
    window_->show();
    window_->raise();
    window_->activateWindow();
    return window_;
}

void LiveExtension::addTraceToSession(const QString& path)
{
    studio_.log(QCoreApplication::translate("LiveExtension", "Adding the live trace %1 to the session").arg(path));
    studio_.addRun(kInstabilityEngine, {{"traces", path.toStdString()}, {"traceIndex", std::int64_t{0}}});
}

nlohmann::json LiveExtension::state() const
{
    return window_ ? window_->settings() : settings_; // settings() leaves the key out
}

void LiveExtension::restoreState(const nlohmann::json& state)
{
    settings_ = state;
    if (window_)
        window_->applySettings(state);
}

void LiveExtension::streamFromStartupOptions()
{
    LiveStreamWindow* live = showWindow();
    live->baseUrlEdit()->setText(url_);
    if (!prompt_.isEmpty())
        live->promptEdit()->setPlainText(prompt_);
    if (!live->start()) {
        std::fprintf(stderr, "latency-studio: the live stream did not start: %s\n", qPrintable(live->statusLabel()->text()));
        studio_.quit(4);
        return;
    }
    const QString screenshot = screenshot_;
    if (screenshot.isEmpty())
        return;
    // Exit status as the CLI's: 0 finished or cancelled, 1 the stream failed, 4 the PNG was not written.
    QObject::connect(&live->client(), &LiveTraceClient::ended, live, [this, live, screenshot](LiveState state, const QString& message) {
        QTimer::singleShot(500, live, [this, live, screenshot, message, state] {
            std::printf("%s\n", qPrintable(message));
            studio_.quit(!live->grab().save(screenshot) ? 4 : state == LiveState::Failed ? 1 : 0);
        });
    });
}

} // namespace ls::live
