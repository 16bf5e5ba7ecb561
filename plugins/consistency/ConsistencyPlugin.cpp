#include "ConsistencyPlugin.h"

#include "engine/consistency/LatentConsistencyEngine.h"

namespace ls::consistency {

std::vector<std::shared_ptr<Engine>> ConsistencyPlugin::createEngines()
{
    return {std::make_shared<LatentConsistencyEngine>(), std::make_shared<LcmTrainEngine>(), std::make_shared<LcmSampleEngine>(),
            std::make_shared<LcmEvalEngine>()};
}

} // namespace ls::consistency
