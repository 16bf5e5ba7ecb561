#include "SignalsPlugin.h"

#include "engine/signals/InstabilityEngine.h"

namespace ls::reasoning {

std::vector<std::shared_ptr<Engine>> SignalsPlugin::createEngines()
{
    return {std::make_shared<InstabilityEngine>()};
}

} // namespace ls::reasoning
