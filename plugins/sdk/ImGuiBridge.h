#pragma once
// Adopts the studio's Dear ImGui context inside a plugin. Include in exactly the plugin source that
// implements StudioPlugin::attachHost; the plugin links its own copy of ImGui's code, which must
// point at the host's context and allocator before it draws anything.
#include "StudioPlugin.h"

#include <imgui.h>

namespace ls::sdk {

inline bool adoptHostImGui(const HostServices& services)
{
    if (!services.imguiContext)
        return false;
    ImGui::SetAllocatorFunctions(services.imguiAlloc, services.imguiFree, services.imguiAllocUserData);
    ImGui::SetCurrentContext(services.imguiContext);
    return true;
}

} // namespace ls::sdk
