#pragma once
// The CLI's subcommands; each takes its own arguments (after the subcommand name) and returns an
// exit code from ExitCodes.h, printing results on stdout and errors on stderr.
#include <QStringList>
#include <optional>

class QCommandLineParser;

namespace ls::cli {

// Parses `arguments` for `command`; returns an exit code when the command is done already
// (usage error printed, or --help shown), nothing when it should go on.
std::optional<int> parseArguments(QCommandLineParser& parser, const QStringList& arguments, const char* command);

int pluginsCommand(const QStringList& arguments);
int describeCommand(const QStringList& arguments);
int runCommand(const QStringList& arguments);
int screenshotCommand(const QStringList& arguments); // needs a QApplication and a display
int reportCommand(const QStringList& arguments);     // needs a QApplication (any platform)
int liveCommand(const QStringList& arguments);
// Sets the default OpenGL surface format; must run before the QApplication is made.
void prepareGraphicsFormat();

} // namespace ls::cli
