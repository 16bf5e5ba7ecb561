#pragma once
#include "plugins/sdk/StudioPlugin.h"

#include <QObject>

namespace ls::reasoning {

// Adapts the reasoning-instability engine (engine/signals) to the studio, with its live streaming:
// the studio's live window (live/LiveExtension.h) and the CLI's `live` command (live/LiveCommand.h).
class SignalsPlugin final : public QObject, public StudioPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID LATENCY_STUDIO_PLUGIN_IID FILE "signals.json")
    Q_INTERFACES(ls::StudioPlugin)

public:
    std::vector<std::shared_ptr<Engine>> createEngines() override;
    std::unique_ptr<StudioExtension> extendStudio(StudioContext& studio) override;
    std::vector<CliCommand> cliCommands() override;
};

} // namespace ls::reasoning
