// latency-studio-cli: the studio's work without a window. Same plugins, engines and sessions as the
// studio; outputs as NumPy arrays and latency as JSON/CSV/Chrome trace for other tools.
#include "Commands.h"
#include "plugins/sdk/ExitCodes.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QGuiApplication>
#include <algorithm>
#include <cstdio>
#include <memory>

namespace {

const QStringList kBuiltInCommands = {"plugins", "describe", "run", "sweep", "report", "screenshot"};

void printUsage()
{
    std::printf(
        "usage: latency-studio-cli <command> [options]\n\n"
        "commands:\n"
        "  plugins [--json]                 list plugins, their status and engines\n"
        "  describe <engine>                parameters and inputs of an engine\n"
        "  run <engine> [--param k=v ...] [--input [key=]f.npy] [--repeat N] [--warmup N]\n"
        "      [--device cpu|cuda:N] [--out DIR] [--session-out S.lstudio]\n"
        "                                   run an engine; write outputs and latency to DIR (under mpirun,\n"
        "                                   GSpaRC training is data parallel over the ranks; rank 0 writes)\n"
        "  sweep SWEEP.json --session-out S.lstudio [--schedule static|dynamic] [--list]\n"
        "                                   run a sweep's runs, spread over MPI ranks under mpirun or srun,\n"
        "                                   gathered into one session\n"
        "  report --session S --out R.pdf|R.html [--runs 1,2] [--compare 1:2 ...]\n"
        "                                   export runs, comparisons and latency as a report\n"
        "  screenshot --session S --out F.png [--width W] [--height H] [--scale K] [--color-by A]\n"
        "                                   render a session's latest point cloud to PNG (needs a display,\n"
        "                                   e.g. xvfb-run -a latency-studio-cli screenshot ...)\n\n"
        "exit codes: 0 ok, 1 run failed, 2 usage, 3 environment (engine/display missing), 4 file error, 5 cancelled\n\n");
    ls::cli::printPluginCommandUsage(kBuiltInCommands);
}

} // namespace

std::optional<int> ls::cli::parseArguments(QCommandLineParser& parser, const QStringList& arguments, const char* command,
                                           const QStringList& required)
{
    if (!parser.parse(arguments)) {
        std::fprintf(stderr, "latency-studio-cli %s: %s\n", command, qPrintable(parser.errorText()));
        return kUsage;
    }
    if (parser.isSet("help")) {
        std::printf("%s", qPrintable(parser.helpText()));
        return kOk;
    }
    if (std::any_of(required.begin(), required.end(), [&](const QString& name) { return !parser.isSet(name); })) {
        QStringList options;
        for (const QString& name : required)
            options << "--" + name;
        std::fprintf(stderr, "latency-studio-cli %s: %s %s required\n", command, qPrintable(options.join(" and ")),
                     required.size() == 1 ? "is" : "are");
        return kUsage;
    }
    return std::nullopt;
}

int main(int argc, char** argv)
{
    // Parse the original argv: QGuiApplication consumes some options itself (e.g. -session for X11
    // session management), which would eat `screenshot --session S`.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    const bool wantsGui = argc > 1 && std::string_view(argv[1]) == "screenshot";
    // Reports paint widgets into images: any Qt platform does, so go off screen without a display.
    const bool wantsWidgets = argc > 1 && std::string_view(argv[1]) == "report";
    std::unique_ptr<QCoreApplication> app;
    if (wantsGui) {
        if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
            std::fprintf(stderr, "latency-studio-cli screenshot: no display; run it under xvfb-run -a\n");
            return ls::cli::kEnvironment;
        }
        ls::cli::prepareGraphicsFormat();
        app = std::make_unique<QApplication>(argc, argv);
    } else if (wantsWidgets) {
        if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        app = std::make_unique<QApplication>(argc, argv);
    } else {
        app = std::make_unique<QCoreApplication>(argc, argv);
    }
    QCoreApplication::setApplicationName("latency-studio-cli");
    QCoreApplication::setApplicationVersion(LATENCY_STUDIO_VERSION);

    if (arguments.size() < 2 || arguments[1] == "--help" || arguments[1] == "-h" || arguments[1] == "help") {
        printUsage();
        return arguments.size() < 2 ? ls::cli::kUsage : ls::cli::kOk;
    }
    if (arguments[1] == "--version") {
        std::printf("latency-studio-cli %s\n", LATENCY_STUDIO_VERSION);
        return ls::cli::kOk;
    }
    const QString command = arguments[1];
    arguments.removeAt(1); // the parsers see "<program> <options>"
    if (wantsGui && !ls::cli::hasRealDisplay()) {
        std::fprintf(stderr, "latency-studio-cli screenshot: the '%s' platform has no OpenGL display; run it under xvfb-run -a\n",
                     qPrintable(QGuiApplication::platformName()));
        return ls::cli::kEnvironment;
    }
    const std::string name = command.toStdString();
    // Every command runs inside one guard: whatever escapes it becomes a message and an exit code.
    return ls::cli::guarded(name.c_str(), [&]() -> int {
        if (command == "plugins") return ls::cli::pluginsCommand(arguments);
        if (command == "describe") return ls::cli::describeCommand(arguments);
        if (command == "run") return ls::cli::runCommand(arguments);
        if (command == "sweep") return ls::cli::sweepCommand(arguments);
        if (command == "screenshot") return ls::cli::screenshotCommand(arguments);
        if (command == "report") return ls::cli::reportCommand(arguments);
        if (const auto status = ls::cli::pluginCommand(command, arguments))
            return *status;
        std::fprintf(stderr, "latency-studio-cli: unknown command '%s'\n\n", qPrintable(command));
        printUsage();
        return ls::cli::kUsage;
    });
}
