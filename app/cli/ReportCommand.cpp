#include "Commands.h"
#include "plugins/sdk/ExitCodes.h"
#include "app/host/PluginRegistry.h"
#include "app/host/Session.h"
#include "app/report/ReportWriters.h"
#include "engine/core/Error.h"

#include <QCommandLineParser>
#include <cstdio>

namespace ls::cli {
namespace {

int runId(const QString& text)
{
    bool ok = false;
    const int id = text.trimmed().toInt(&ok);
    if (!ok)
        throw ArgumentError("'" + text.toStdString() + "' is not a run number");
    return id;
}

} // namespace

int reportCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription("Export a session's runs, comparisons and latency as a PDF or a self-contained HTML report.");
    parser.addHelpOption();
    parser.addOptions({
        {"session", "Session file (.lstudio).", "file"},
        {"out", "Report to write: R.pdf or R.html.", "file"},
        {"runs", "Runs to include, e.g. 1,3 (default: all).", "ids"},
        {"compare", "Add a comparison of run A with run B (repeatable).", "A:B"},
    });
    if (const auto done = parseArguments(parser, arguments, "report", {"session", "out"}))
        return *done;
    try {
        const host::Session session = host::loadSession(parser.value("session").toStdString());
        report::ReportOptions options;
        options.sessionPath = parser.value("session");
        if (parser.isSet("runs"))
            for (const QString& id : parser.value("runs").split(',', Qt::SkipEmptyParts))
                options.runIds.push_back(runId(id));
        for (const QString& pair : parser.values("compare")) {
            const QStringList ids = pair.split(':');
            if (ids.size() != 2)
                throw ArgumentError("--compare takes A:B (two run numbers), not '" + pair.toStdString() + "'");
            options.comparisons.emplace_back(runId(ids[0]), runId(ids[1]));
        }
        host::PluginRegistry registry; // engines add their own sections when their plugin is here
        registry.scanFolders(host::PluginRegistry::defaultSearchFolders());
        const auto progress = [](double fraction, const QString& message) {
            std::fprintf(stderr, "\r[%3d%%] %-60s", static_cast<int>(fraction * 100), qPrintable(message.left(60)));
        };
        const report::Document document = report::buildReport(session, &registry, options, progress);
        report::writeReport(document, parser.value("out"), progress);
        std::fprintf(stderr, "\n");
        std::printf("%s: %zu sections\n", qPrintable(parser.value("out")), document.sections.size());
        return kOk;
    } catch (const StudioError& error) {
        std::fprintf(stderr, "\nlatency-studio-cli report: %s\n", error.what());
        return error.category() == ErrorCategory::Argument ? kUsage : kFileError;
    }
}

} // namespace ls::cli
