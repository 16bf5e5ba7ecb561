#pragma once
// The CLI's `live` command, which the signals plugin adds (StudioPlugin::cliCommands).
#include "plugins/sdk/CliCommand.h"

namespace ls::live {
CliCommand liveCliCommand();
} // namespace ls::live
