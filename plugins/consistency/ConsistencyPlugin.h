#pragma once
#include "plugins/sdk/StudioPlugin.h"

#include <QObject>

namespace ls::consistency {

// Adapts the latent consistency engine (engine/consistency) to the studio.
class ConsistencyPlugin final : public QObject, public StudioPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID LATENCY_STUDIO_PLUGIN_IID FILE "consistency.json")
    Q_INTERFACES(ls::StudioPlugin)

public:
    std::vector<std::shared_ptr<Engine>> createEngines() override;
};

} // namespace ls::consistency
