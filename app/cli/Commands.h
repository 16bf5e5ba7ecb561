#pragma once
// The CLI's subcommands; each takes its own arguments (after the subcommand name) and returns an
// exit code from ExitCodes.h, printing results on stdout and errors on stderr.
#include <QStringList>
#include <functional>
#include <optional>

#include <filesystem>
#include <memory>
#include <string>

class QCommandLineParser;
namespace ls { class StudioError; class Engine; }
namespace ls::host { class PluginRegistry; }

namespace ls::cli {

// Parses `arguments` for `command`; returns an exit code when the command is done already
// (usage error printed, a `required` option missing, or --help shown), nothing when it should go on.
std::optional<int> parseArguments(QCommandLineParser& parser, const QStringList& arguments, const char* command,
                                  const QStringList& required = {});

int pluginsCommand(const QStringList& arguments);
int sweepCommand(const QStringList& arguments);
int describeCommand(const QStringList& arguments);
int runCommand(const QStringList& arguments);
int screenshotCommand(const QStringList& arguments); // needs a QApplication and a display
int reportCommand(const QStringList& arguments);     // needs a QApplication (any platform)
// A command a plugin adds (SDK CliCommand.h): its exit code, or nothing when no plugin adds `name`.
std::optional<int> pluginCommand(const QString& name, const QStringList& arguments);
// The usage lines of the plugins' commands, for --help; `builtIn` names the CLI's own commands.
void printPluginCommandUsage(const QStringList& builtIn);
// Runs one command; anything it throws is printed (naming the command) and mapped to an exit
// code: a studio error by its category, a JSON library error or an allocation failure on input as
// a file error (4), anything else as a failed run (1).
int guarded(const char* command, const std::function<int()>& body);
int exitCodeFor(const StudioError& error);
// A folder a command will write to, checked (created, probed) before its work starts; throws
// FileError naming `option`.
void requireWritableFolder(const std::filesystem::path& folder, const std::string& option);
// An engine by its id, or by the last part of it when that is unique ("flatformer"); null when
// none; throws ArgumentError when the short name is ambiguous. `id` gets the full id.
std::shared_ptr<Engine> findEngineByName(const host::PluginRegistry& registry, const std::string& name, std::string& id);
// True when the GUI platform can show OpenGL windows (xcb or wayland, not offscreen or minimal).
bool hasRealDisplay();
// Sets the default OpenGL surface format; must run before the QApplication is made.
void prepareGraphicsFormat();

} // namespace ls::cli
