#include "SignalsPlugin.h"

#include "engine/signals/InstabilityEngine.h"
#include "live/LiveCommand.h"
#include "live/LiveExtension.h"

namespace ls::reasoning {

std::vector<std::shared_ptr<Engine>> SignalsPlugin::createEngines()
{
    return {std::make_shared<InstabilityEngine>()};
}

std::unique_ptr<StudioExtension> SignalsPlugin::extendStudio(StudioContext& studio)
{
    return std::make_unique<live::LiveExtension>(studio);
}

std::vector<CliCommand> SignalsPlugin::cliCommands()
{
    return {live::liveCliCommand()};
}

} // namespace ls::reasoning
