#pragma once
// What the template adds to the studio window besides its engine (SDK StudioExtension.h): a dock
// that says what the shown sampler run made and samples again with another point count, and an
// action (Tools → Sample the surface again, Ctrl+Shift+S) that does the same from the menu.
// Copy it for a panel of your own; AUTHORING.md says what the studio does with each piece.
#include "plugins/sdk/StudioExtension.h"

#include <QPointer>

class QLabel;
class QSpinBox;

namespace ls::surface {

class SurfacePanel final : public StudioExtension {
public:
    explicit SurfacePanel(StudioContext& studio);

    // The panel's point count is kept in the session.
    nlohmann::json state() const override;
    void restoreState(const nlohmann::json& state) override;
    void runShown(const StudioRunView& run) override;

private:
    void sampleAgain();

    StudioContext& studio_;
    // Owned by the studio once handed over; QPointer because the studio may delete them first.
    QPointer<QSpinBox> pointCount_;
    QPointer<QLabel> shown_;
};

} // namespace ls::surface
