#include "TemplatePlugin.h"

#include "SurfacePanel.h"
#include "engine/SurfaceSamplerEngine.h"
#include "plugins/sdk/ImGuiBridge.h"

namespace ls::surface {

std::vector<std::shared_ptr<Engine>> TemplatePlugin::createEngines()
{
    return {std::make_shared<SurfaceSamplerEngine>()};
}

void TemplatePlugin::attachHost(const HostServices& services)
{
    imguiAttached_ = sdk::adoptHostImGui(services);
}

void TemplatePlugin::drawOverlay()
{
    if (!imguiAttached_)
        return;
    ImGui::TextDisabled("template plugin: %s", LS_PLUGIN_HAS_CUDA ? "CPU + CUDA paths" : "CPU path only");
}

std::unique_ptr<StudioExtension> TemplatePlugin::extendStudio(StudioContext& studio)
{
    return std::make_unique<SurfacePanel>(studio);
}

} // namespace ls::surface
