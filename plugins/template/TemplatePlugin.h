#pragma once
#include "plugins/sdk/StudioPlugin.h"

#include <QObject>

namespace ls::surface {

// The Qt side of the template: metadata, engine list, a small ImGui panel drawn in the studio's
// overlay with the host's context, and a dock and an action in the window (SurfacePanel.h).
class TemplatePlugin final : public QObject, public StudioPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID LATENCY_STUDIO_PLUGIN_IID FILE "template.json")
    Q_INTERFACES(ls::StudioPlugin)

public:
    std::vector<std::shared_ptr<Engine>> createEngines() override;
    void attachHost(const HostServices& services) override;
    void drawOverlay() override;
    std::unique_ptr<StudioExtension> extendStudio(StudioContext& studio) override;

private:
    bool imguiAttached_ = false;
};

} // namespace ls::surface
