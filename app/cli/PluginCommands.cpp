// The commands plugins add to the CLI (SDK CliCommand.h): found by loading the plugins, run while
// the registry that loaded them is alive (their code is the plugin library's).
#include "Commands.h"

#include "app/host/PluginRegistry.h"

#include <cstdio>

namespace ls::cli {
namespace {

// Every loaded plugin's commands, each with the id of the plugin that adds it.
std::vector<std::pair<QString, CliCommand>> commandsOf(const host::PluginRegistry& registry)
{
    std::vector<std::pair<QString, CliCommand>> commands;
    for (const auto& entry : registry.plugins())
        if (entry->status == host::PluginStatus::Loaded && entry->instance)
            for (auto& command : entry->instance->cliCommands())
                commands.emplace_back(entry->id, std::move(command));
    return commands;
}

} // namespace

std::optional<int> pluginCommand(const QString& name, const QStringList& arguments)
{
    host::PluginRegistry registry;
    registry.scanFolders(host::PluginRegistry::defaultSearchFolders());
    for (const auto& [plugin, command] : commandsOf(registry))
        if (QString::fromStdString(command.name) == name && command.run)
            return command.run(arguments);
    return std::nullopt;
}

void printPluginCommandUsage(const QStringList& builtIn)
{
    host::PluginRegistry registry;
    registry.scanFolders(host::PluginRegistry::defaultSearchFolders());
    const auto commands = commandsOf(registry);
    if (commands.empty())
        return;
    std::printf("commands from plugins:\n");
    for (const auto& [plugin, command] : commands) {
        if (builtIn.contains(QString::fromStdString(command.name)))
            std::printf("  (%s's '%s' is hidden by the built-in command)\n", qPrintable(plugin), command.name.c_str());
        else
            std::printf("%s", command.usage.c_str());
    }
    std::printf("\n");
}

} // namespace ls::cli
