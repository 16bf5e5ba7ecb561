#include "PointCloudPlugin.h"

#include "engine/pointcloud/FlatFormerEngine.h"

namespace ls::pointcloud {

std::vector<std::shared_ptr<Engine>> PointCloudPlugin::createEngines()
{
    return {std::make_shared<FlatFormerEngine>()};
}

} // namespace ls::pointcloud
