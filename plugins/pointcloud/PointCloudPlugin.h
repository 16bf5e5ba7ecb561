#pragma once
#include "plugins/sdk/StudioPlugin.h"

#include <QObject>

namespace ls::pointcloud {

// Adapts the FlatFormer engine (engine/pointcloud) to the studio.
class PointCloudPlugin final : public QObject, public StudioPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID LATENCY_STUDIO_PLUGIN_IID FILE "pointcloud.json")
    Q_INTERFACES(ls::StudioPlugin)

public:
    std::vector<std::shared_ptr<Engine>> createEngines() override;
};

} // namespace ls::pointcloud
