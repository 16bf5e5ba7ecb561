#include "RfPlugin.h"

#include "engine/rf/GsparcEngines.h"

namespace ls::rf {

std::vector<std::shared_ptr<Engine>> RfPlugin::createEngines()
{
    return {std::make_shared<GsparcTrainEngine>(), std::make_shared<GsparcEvalEngine>(), std::make_shared<GsparcCrossValidationEngine>(), std::make_shared<GsparcRenderEngine>(),
            std::make_shared<MultipathSimEngine>()};
}

} // namespace ls::rf
