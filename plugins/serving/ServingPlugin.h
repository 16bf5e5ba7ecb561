#pragma once
#include "plugins/sdk/StudioPlugin.h"

#include <QObject>

namespace ls::serving {

// Adapts the serving-latency benchmark (engine/serving) to the studio.
class ServingPlugin final : public QObject, public StudioPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID LATENCY_STUDIO_PLUGIN_IID FILE "serving.json")
    Q_INTERFACES(ls::StudioPlugin)

public:
    std::vector<std::shared_ptr<Engine>> createEngines() override;
};

} // namespace ls::serving
