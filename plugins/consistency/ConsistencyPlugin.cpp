#include "ConsistencyPlugin.h"

#include "engine/consistency/LatentConsistencyEngine.h"

namespace ls::consistency {

std::vector<std::shared_ptr<Engine>> ConsistencyPlugin::createEngines()
{
    return {std::make_shared<LatentConsistencyEngine>()};
}

} // namespace ls::consistency
