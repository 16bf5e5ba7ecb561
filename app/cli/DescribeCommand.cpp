#include "Commands.h"
#include "plugins/sdk/ExitCodes.h"
#include "app/host/PluginRegistry.h"

#include <cstdio>

namespace ls::cli {

int describeCommand(const QStringList& arguments)
{
    if (arguments.size() != 2 || arguments[1].startsWith('-')) {
        std::fprintf(stderr, "usage: latency-studio-cli describe <engine>\n");
        return arguments.contains("--help") ? kOk : kUsage;
    }
    host::PluginRegistry registry;
    registry.scanFolders(host::PluginRegistry::defaultSearchFolders());
    const auto engine = registry.findEngine(arguments[1].toStdString());
    if (!engine) {
        std::fprintf(stderr, "latency-studio-cli describe: no engine '%s'\n", qPrintable(arguments[1]));
        return kEnvironment;
    }
    std::printf("%s (%s)\n%s\n\nparameters (--param key=value):\n", engine->id().c_str(), engine->displayName().c_str(),
                engine->description().c_str());
    for (const auto& spec : engine->parameterSchema().specs) {
        std::string range;
        if (spec.type == ParameterType::Int || spec.type == ParameterType::Float)
            range = " [" + formatParameterValue(spec.minimum) + ", " + formatParameterValue(spec.maximum) + "]";
        if (spec.type == ParameterType::Enum) {
            range = " {";
            for (const auto& c : spec.choices)
                range += (range.size() > 2 ? "|" : "") + c;
            range += "}";
        }
        std::printf("  %-16s %-6s default %s%s%s\n      %s\n", spec.key.c_str(), toString(spec.type),
                    formatParameterValue(spec.defaultValue).c_str(), spec.units.empty() ? "" : (" " + spec.units).c_str(),
                    range.c_str(), spec.help.c_str());
    }
    const auto inputs = engine->inputSpecs();
    if (!inputs.empty()) {
        std::printf("\ninputs (--input key=file.npy):\n");
        for (const auto& input : inputs)
            std::printf("  %-16s %s%s\n      %s\n", input.key.c_str(), input.shape.c_str(),
                        input.required ? " (required)" : " (optional)", input.description.c_str());
    }
    return kOk;
}

} // namespace ls::cli
