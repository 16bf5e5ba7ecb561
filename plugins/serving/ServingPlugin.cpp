#include "ServingPlugin.h"

#include "engine/serving/ServingEngine.h"

namespace ls::serving {

std::vector<std::shared_ptr<Engine>> ServingPlugin::createEngines()
{
    return {std::make_shared<ServingBenchmarkEngine>()};
}

} // namespace ls::serving
