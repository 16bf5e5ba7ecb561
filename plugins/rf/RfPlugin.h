#pragma once
#include "plugins/sdk/StudioPlugin.h"

#include <QObject>

namespace ls::rf {

// Adapts the GSpaRC engines (engine/rf) to the studio.
class RfPlugin final : public QObject, public StudioPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID LATENCY_STUDIO_PLUGIN_IID FILE "rf.json")
    Q_INTERFACES(ls::StudioPlugin)

public:
    std::vector<std::shared_ptr<Engine>> createEngines() override;
};

} // namespace ls::rf
