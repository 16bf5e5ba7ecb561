#pragma once
#include "plugins/sdk/StudioPlugin.h"

#include <QObject>

namespace ls::reasoning {

// Adapts the reasoning-instability engine (engine/signals) to the studio.
class SignalsPlugin final : public QObject, public StudioPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID LATENCY_STUDIO_PLUGIN_IID FILE "signals.json")
    Q_INTERFACES(ls::StudioPlugin)

public:
    std::vector<std::shared_ptr<Engine>> createEngines() override;
};

} // namespace ls::reasoning
