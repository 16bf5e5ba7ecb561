// latency-studio: the desktop studio. Opens the session given on the command line (the README's
// launcher passes the bundled sample), loads plugins, and offers recovery after a crash.
#include "GuardedApplication.h"
#include "MainWindow.h"
#include "views/LatencyView.h"
#include "views/GlFormat.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTimer>
#include <cstdio>
#include <map>

int main(int argc, char** argv)
{
    QElapsedTimer startup;
    startup.start();
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariable("QT_QPA_PLATFORM") != "xcb") {
        std::fprintf(stderr,
                     "latency-studio: no display found (DISPLAY is not set).\n"
                     "  Run it inside a desktop session, or virtually: xvfb-run -a latency-studio <session>\n"
                     "  For the same work without a window: latency-studio-cli --help (scripts/studio --headless)\n");
        return 3;
    }
    ls::views::setDefaultSurfaceFormat(); // before the QApplication exists
    ls::studio::GuardedApplication app(argc, argv);
    QApplication::setOrganizationName("LatencyStudio");
    QApplication::setApplicationName("Latency Studio");
    QApplication::setApplicationVersion(LATENCY_STUDIO_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription("Latency Studio: GPU engines for real-time ML, and how fast they are.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("session", "Session (.lstudio) to open.", "[session]");
    parser.addOptions({
        {"run", "Run the active engine once the session is open."},
        {"screenshot", "After opening (and running), save the window to this PNG and quit.", "file.png"},
        {"view-screenshot", "Also save the 3D view alone to this PNG.", "file.png"},
        {"show-run", "With --screenshot: show run N of the session.", "N"},
        {"compare", "With --screenshot: compare the shown run with run N (the latency dock's \"compare with\").", "N"},
        {"show", "With --screenshot: bring this tab forward first (\"Timeline\", or a dataset's name).", "tab"},
        {"no-recovery", "Do not offer to recover an autosaved session."},
        {"plugin-option", "An option for the plugins' windows and actions, e.g. live-url=URL (the signals plugin's "
                          "live window streams from URL at once; see each plugin's documentation). Repeatable.", "name=value"},
        {"list-extensions", "Print the actions and docks the plugins add to the window, then quit."},
    });
    parser.process(app);

    ls::studio::MainWindow window;
    std::map<QString, QString> pluginOptions;
    for (const QString& option : parser.values("plugin-option")) {
        if (!option.contains('=')) {
            std::fprintf(stderr, "latency-studio: --plugin-option takes name=value, not '%s'\n", qPrintable(option));
            return 2;
        }
        pluginOptions[option.section('=', 0, 0)] = option.section('=', 1);
    }
    window.setStartupOptions(std::move(pluginOptions));
    window.loadPlugins(ls::host::PluginRegistry::defaultSearchFolders());
    if (const QStringList unread = window.unreadStartupOptions(); !unread.isEmpty()) {
        std::fprintf(stderr, "latency-studio: no loaded plugin takes --plugin-option %s\n", qPrintable(unread.join(", ")));
        window.setPromptOnClose(false);
        return 2;
    }
    if (parser.isSet("list-extensions")) {
        for (const QString& line : window.pluginContributions())
            std::printf("%s\n", qPrintable(line));
        window.setPromptOnClose(false);
        return 0;
    }
    // Scripted use (a screenshot, or plugin options such as a live stream) keeps the built-in
    // layout, so that captures look the same on every machine.
    const bool scripted = parser.isSet("screenshot") || parser.isSet("plugin-option");
    if (!scripted)
        window.restoreLayout();
    window.show();
    if (!scripted && !QSettings().value("help/gettingStartedShown").toBool()) {
        // First launch: say what is in the sample session and what to try.
        QSettings().setValue("help/gettingStartedShown", true);
        QTimer::singleShot(500, &window, [&window] { window.showGettingStarted(); });
    }
    if (!parser.isSet("no-recovery") && !parser.isSet("screenshot"))
        window.offerRecoveryIfNeeded();
    if (!parser.positionalArguments().isEmpty() && !window.openSession(parser.positionalArguments().front())) {
        std::fprintf(stderr, "latency-studio: %s\n", qPrintable(window.logText().section('\n', -1)));
    }

    // Queued behind the first paint: the time a user waits for a usable window.
    QTimer::singleShot(0, &window, [&] { window.logStartupTime(startup.elapsed()); });

    if (parser.isSet("screenshot")) {
        // Scripted capture (used to check the GUI by looking): let the window settle, run, grab, quit.
        QTimer::singleShot(300, &window, [&] {
            if (parser.isSet("run") && window.startRun())
                window.waitForRun();
            if (parser.isSet("show-run")) {
                const int runId = parser.value("show-run").toInt();
                window.latencyView()->selectRun(runId);
                if (const auto* run = window.session().findRun(runId)) // the panel shows that engine's draft
                    window.selectEngine(QString::fromStdString(run->engineId));
            }
            if (parser.isSet("compare"))
                window.latencyView()->compareWith(parser.value("compare").toInt());
            if (parser.isSet("show") && !window.showTab(parser.value("show")))
                std::fprintf(stderr, "latency-studio: no tab named '%s'\n", qPrintable(parser.value("show")));
            QTimer::singleShot(500, &window, [&] {
                int status = 0;
                if (!window.captureWindow(1.0).save(parser.value("screenshot")))
                    status = 4;
                if (parser.isSet("view-screenshot") && !window.captureView(1.0).save(parser.value("view-screenshot")))
                    status = 4;
                std::printf("%s", qPrintable(window.logText() + "\n"));
                window.setPromptOnClose(false);
                window.close();
                QApplication::exit(status);
            });
        });
    } else if (parser.isSet("run")) {
        QTimer::singleShot(300, &window, [&] { window.startRun(); });
    }
    const int status = app.exec();
    if (!scripted)
        window.saveLayout();
    return status;
}
