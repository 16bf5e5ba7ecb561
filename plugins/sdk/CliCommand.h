#pragma once
// A subcommand a plugin adds to latency-studio-cli (StudioPlugin::cliCommands): the CLI lists it in
// its help and runs it as `latency-studio-cli <name> [arguments]`, inside the same guard as its own
// commands (an escaping exception becomes a message and an exit code).
#include "plugins/sdk/ExitCodes.h"

#include <QStringList>
#include <functional>
#include <string>

namespace ls {

struct CliCommand {
    std::string name;  // unique among the CLI's commands; a plugin's command never replaces a built-in one
    std::string usage; // the lines `latency-studio-cli --help` prints for it, already indented
    // Runs with the program name and the arguments after the command name (the shape
    // QCommandLineParser::parse takes); returns an exit code from ExitCodes.h. A QCoreApplication
    // exists; the command may run an event loop.
    std::function<int(const QStringList& arguments)> run;
};

} // namespace ls
