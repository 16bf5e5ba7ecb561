#pragma once
// Latency Studio plugin SDK: the one interface a plugin implements.
//
// A plugin is a Qt plugin (shared library) whose metadata JSON holds
//   { "id": "...", "name": "...", "version": "x.y.z", "sdkAbi": LATENCY_STUDIO_SDK_ABI, "description": "..." }
// The studio reads that metadata with QPluginLoader::metaData() *before* loading the library, so a
// plugin built for another SDK ABI is reported as incompatible without any of its code running.
//
// ABI promise: within one LATENCY_STUDIO_SDK_ABI value, this header, engine/core/Engine.h and the
// headers it includes (docs/architecture.md lists them) only gain new virtual functions at the end
// of classes, and structs that the host alone creates and a plugin only reads may gain members at
// their end. A struct a plugin creates and hands over by value (a ParameterSpec in a schema, a
// Dataset) changes size when it gains a member, and the two sides would disagree on every element
// after the first: that bumps the ABI, and with it the interface id, as does anything else.
//
// ABI 2 (2026-12-07): ParameterSpec gained `overlay`; Dataset gained `role` and `linkedTo`, Series
// `markers`; a plugin may add studio actions, docks and windows (extendStudio, StudioExtension.h)
// and CLI commands (cliCommands, CliCommand.h). ABI 1 plugins are refused, by metadata.
//
// Declare a plugin in CMake with latency_studio_add_plugin() (cmake/LatencyStudioPlugin.cmake).
#include "engine/core/Engine.h"
#include "plugins/sdk/CliCommand.h"
#include "plugins/sdk/StudioExtension.h"

#include <QtPlugin>
#include <memory>
#include <vector>

#define LATENCY_STUDIO_SDK_ABI 2
#define LATENCY_STUDIO_PLUGIN_IID_PREFIX "org.latency-studio.StudioPlugin/"
#define LATENCY_STUDIO_PLUGIN_IID "org.latency-studio.StudioPlugin/2"

struct ImGuiContext;

namespace ls {

// What the host hands a plugin once it is loaded. Dear ImGui has no ABI stability across libraries
// and keeps its context in a global: a plugin that draws must adopt the host's context and
// allocator (see ImGuiBridge.h) so that there is one ImGui build state and one context.
struct HostServices {
    int sdkAbi = LATENCY_STUDIO_SDK_ABI;
    ImGuiContext* imguiContext = nullptr; // null in the CLI (no overlay)
    void* (*imguiAlloc)(std::size_t size, void* userData) = nullptr;
    void (*imguiFree)(void* pointer, void* userData) = nullptr;
    void* imguiAllocUserData = nullptr;
};

class StudioPlugin {
public:
    virtual ~StudioPlugin() = default;

    // The engines this plugin provides. May throw; the studio then reports the plugin as failed.
    virtual std::vector<std::shared_ptr<Engine>> createEngines() = 0;

    // Called after loading, before createEngines(), in the GUI only.
    virtual void attachHost(const HostServices& services) { (void)services; }

    // Draws the plugin's own panel in the viewport's ImGui overlay (host context current).
    virtual void drawOverlay() {}

    // GUI only, once per studio window after createEngines(): adds the plugin's actions, docks and
    // windows through `studio` (StudioExtension.h says for how long each lives). Null: nothing.
    virtual std::unique_ptr<StudioExtension> extendStudio(StudioContext& studio)
    {
        (void)studio;
        return nullptr;
    }

    // The CLI's commands this plugin adds (CliCommand.h); the CLI asks after createEngines().
    virtual std::vector<CliCommand> cliCommands() { return {}; }
};

} // namespace ls

Q_DECLARE_INTERFACE(ls::StudioPlugin, LATENCY_STUDIO_PLUGIN_IID)
