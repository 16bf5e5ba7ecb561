#pragma once
// Exit codes of latency-studio-cli, its own commands and those plugins add (CliCommand.h); scripts
// may rely on them (documented in the README).
namespace ls::cli {
enum ExitCode : int {
    kOk = 0,
    kRunFailed = 1,     // the engine reported an error
    kUsage = 2,         // bad command line or parameter value
    kEnvironment = 3,   // no such engine/plugin, no display for screenshots
    kFileError = 4,     // an input or output file could not be read/written or is malformed
    kCancelled = 5,
};
} // namespace ls::cli
