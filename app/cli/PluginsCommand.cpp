#include "Commands.h"
#include "plugins/sdk/ExitCodes.h"
#include "app/host/PluginRegistry.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

namespace ls::cli {

int pluginsCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription("List the plugins found, their status and their engines.");
    parser.addHelpOption();
    parser.addOption({"json", "Print JSON instead of text."});
    if (const auto done = parseArguments(parser, arguments, "plugins"))
        return *done;
    host::PluginRegistry registry;
    registry.scanFolders(host::PluginRegistry::defaultSearchFolders());

    if (parser.isSet("json")) {
        QJsonArray list;
        for (const auto& entry : registry.plugins()) {
            QJsonArray engines, commands;
            for (const auto& engine : entry->engines)
                engines.append(QString::fromStdString(engine->id()));
            if (entry->instance)
                for (const auto& command : entry->instance->cliCommands())
                    commands.append(QString::fromStdString(command.name));
            list.append(QJsonObject{{"path", entry->path}, {"id", entry->id}, {"name", entry->name},
                                    {"version", entry->version}, {"status", toString(entry->status)},
                                    {"reason", entry->reason}, {"engines", engines}, {"commands", commands}});
        }
        std::printf("%s\n", QJsonDocument(list).toJson(QJsonDocument::Indented).constData());
        return kOk;
    }
    if (registry.plugins().empty())
        std::printf("no plugins found (searched: %s)\n",
                    qPrintable(host::PluginRegistry::defaultSearchFolders().join(", ")));
    for (const auto& entry : registry.plugins()) {
        std::printf("%-12s %-28s %-8s %s\n", toString(entry->status), qPrintable(entry->id.isEmpty() ? entry->name : entry->id),
                    qPrintable(entry->version), qPrintable(entry->path));
        for (const auto& engine : entry->engines)
            std::printf("    engine %-30s %s%s\n", engine->id().c_str(), engine->displayName().c_str(),
                        engine->hasCudaPath() ? " [CPU+CUDA]" : " [CPU]");
        if (entry->instance)
            for (const auto& command : entry->instance->cliCommands())
                std::printf("    command %s\n", command.name.c_str());
        if (!entry->reason.isEmpty())
            std::printf("    reason: %s\n", qPrintable(entry->reason));
    }
    return kOk;
}

} // namespace ls::cli
