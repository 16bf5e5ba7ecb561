#pragma once
#include "plugins/sdk/StudioPlugin.h"

#include <QObject>

namespace ls::surface {

// The Qt side of the template: metadata, engine list, and a small ImGui panel drawn in the
// studio's overlay with the host's context.
class TemplatePlugin final : public QObject, public StudioPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID LATENCY_STUDIO_PLUGIN_IID FILE "template.json")
    Q_INTERFACES(ls::StudioPlugin)

public:
    std::vector<std::shared_ptr<Engine>> createEngines() override;
    void attachHost(const HostServices& services) override;
    void drawOverlay() override;

private:
    bool imguiAttached_ = false;
};

} // namespace ls::surface
