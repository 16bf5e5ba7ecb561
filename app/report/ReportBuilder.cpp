#include "ReportBuilder.h"

#include "PlotImages.h"
#include "engine/core/Device.h"
#include "engine/core/Error.h"
#include "engine/core/LatencyComparison.h"

#include <QCoreApplication>
#include <QDateTime>

namespace ls::report {
namespace {

QString ms(double microseconds)
{
    return QString::number(microseconds / 1000.0, 'f', 3);
}

QString jsonText(const nlohmann::json& value)
{
    return QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
}

const host::RunRecord& requireRun(const host::Session& session, int id)
{
    if (const auto* run = session.findRun(id))
        return *run;
    throw ArgumentError("the session has no run " + std::to_string(id));
}

Section coverSection(const host::Session& session, const host::PluginRegistry* registry, const ReportOptions& options)
{
    Section cover{QObject::tr("Latency Studio report: %1").arg(QString::fromStdString(session.name)), 0, {}};
    TableBlock facts{{QObject::tr("item"), QObject::tr("value")}, {}, {}};
    facts.rows.push_back({QObject::tr("session"), options.sessionPath.isEmpty() ? QString::fromStdString(session.name) : options.sessionPath});
    facts.rows.push_back({QObject::tr("date"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)});
    facts.rows.push_back({QObject::tr("studio"), QStringLiteral("Latency Studio %1 (SDK ABI %2)")
                                                     .arg(QCoreApplication::applicationVersion().isEmpty()
                                                              ? QStringLiteral(LATENCY_STUDIO_VERSION)
                                                              : QCoreApplication::applicationVersion())
                                                     .arg(LATENCY_STUDIO_SDK_ABI)});
    if (registry)
        for (const auto& plugin : registry->plugins())
            if (plugin->status == host::PluginStatus::Loaded)
                facts.rows.push_back({QObject::tr("plugin"), QStringLiteral("%1 %2").arg(plugin->id, plugin->version)});
    facts.rows.push_back({QObject::tr("this machine"), QString::fromStdString(cpuDevice().describe())});
    const auto cuda = enumerateCudaDevices();
    for (const auto& device : cuda.devices)
        facts.rows.push_back({QObject::tr("GPU"), QString::fromStdString(device.describe())});
    if (cuda.devices.empty())
        facts.rows.push_back({QObject::tr("GPU"), QString::fromStdString(cuda.reason)});
    cover.blocks.push_back(facts);
    return cover;
}

TableBlock statisticsTable(const LatencyRecord& record)
{
    TableBlock table{{QObject::tr("stage"), QObject::tr("count"), QObject::tr("mean ms"), QObject::tr("median ms"),
                      QObject::tr("σ ms"), QObject::tr("CV"), QObject::tr("p90 ms"), QObject::tr("p99 ms"),
                      QObject::tr("p99.9 ms")},
                     {},
                     QObject::tr("Per-stage latency over %1 measured repeats (%2 warm-up repeats not counted)")
                         .arg(record.repeats)
                         .arg(record.warmupRepeats)};
    auto row = [&](const QString& name, const SampleStats& s) {
        table.rows.push_back({name, QString::number(s.count), ms(s.mean), ms(s.median), ms(s.stddev),
                              QString::number(s.cv, 'f', 3), ms(s.p90), ms(s.p99), ms(s.p999)});
    };
    for (const auto& path : record.stagePaths())
        row(QString::fromStdString(path), record.stageStats(path));
    if (!record.repeatTotalsUs.empty())
        row(QObject::tr("(repeat total)"), record.totalStats());
    return table;
}

void addEngineSections(const std::vector<ReportSection>& sections, std::vector<Section>& out)
{
    for (const auto& contributed : sections) {
        Section section{QString::fromStdString(contributed.title), 2, {}};
        for (const auto& block : contributed.blocks) {
            if (const auto* paragraph = std::get_if<ReportParagraph>(&block)) {
                section.blocks.push_back(Paragraph{QString::fromStdString(paragraph->text)});
            } else if (const auto* table = std::get_if<Table>(&block)) {
                TableBlock converted;
                for (const auto& column : table->columns)
                    converted.headers << QString::fromStdString(column);
                for (const auto& row : table->rows) {
                    QStringList cells;
                    for (const auto& cell : row)
                        cells << QString::fromStdString(cell);
                    converted.rows.push_back(cells);
                }
                section.blocks.push_back(converted);
            } else if (const auto* plot = std::get_if<ReportPlot>(&block)) {
                const QString caption = QString::fromStdString(plot->caption);
                const QImage image = std::holds_alternative<Series>(plot->data) ? seriesImage(std::get<Series>(plot->data), caption)
                                                                                : gridImage(std::get<Grid>(plot->data), caption);
                if (!image.isNull())
                    section.blocks.push_back(ImageBlock{image, caption});
            }
        }
        out.push_back(std::move(section));
    }
}

void addRunSections(const host::RunRecord& run, const host::PluginRegistry* registry, const QImage& view, std::vector<Section>& out)
{
    const QString label = QString::fromStdString(run.label);
    Section overview{label, 1, {}};
    TableBlock about{{QObject::tr("item"), QObject::tr("value")}, {}, {}};
    about.rows.push_back({QObject::tr("engine"), QString::fromStdString(run.engineId)});
    if (!run.pluginId.empty())
        about.rows.push_back({QObject::tr("plugin"), QString::fromStdString(run.pluginId)});
    about.rows.push_back({QObject::tr("device"), QString::fromStdString(run.device)});
    about.rows.push_back({QObject::tr("started"), QString::fromStdString(run.latency.startedAt)});
    overview.blocks.push_back(about);

    TableBlock parameters{{QObject::tr("parameter"), QObject::tr("value")}, {}, QObject::tr("Parameters as set for the run")};
    for (const auto& [key, value] : run.parameters.items())
        parameters.rows.push_back({QString::fromStdString(key), jsonText(value)});
    overview.blocks.push_back(parameters);
    if (run.inputs.empty()) {
        overview.blocks.push_back(Paragraph{QObject::tr("Inputs: none (the engine generated its data).")});
    } else {
        TableBlock inputs{{QObject::tr("input"), QObject::tr("file"), QObject::tr("bytes"), QObject::tr("shape"), QObject::tr("SHA-256")},
                          {},
                          QObject::tr("Input files")};
        for (const auto& input : run.inputs)
            inputs.rows.push_back({jsonText(input.value("key", "")), jsonText(input.value("file", "")),
                                   jsonText(input.value("bytes", 0)), jsonText(input.value("shape", "")),
                                   jsonText(input.value("sha256", ""))});
        overview.blocks.push_back(inputs);
    }
    if (!view.isNull())
        overview.blocks.push_back(ImageBlock{view, QObject::tr("3D view of %1").arg(label)});
    overview.blocks.push_back(statisticsTable(run.latency));
    out.push_back(std::move(overview));

    Section pictures{QObject::tr("Latency distributions and timeline"), 2, {}};
    QStringList fewSamples; // a histogram of one or two bars says nothing the table does not
    for (const auto& path : run.latency.stagePaths()) {
        const QString stage = QString::fromStdString(path);
        const auto durations = run.latency.durationsUs(path);
        if (durations.size() < kMinSamplesForVerdict) {
            fewSamples << QStringLiteral("'%1'").arg(stage);
            continue;
        }
        pictures.blocks.push_back(ImageBlock{histogramImage(QObject::tr("Distribution of '%1'").arg(stage), durations, label),
                                             QObject::tr("Histogram of stage '%1'").arg(stage)});
    }
    if (!fewSamples.isEmpty())
        pictures.blocks.push_back(Paragraph{QObject::tr("No histogram for the stages measured fewer than %1 times (the table above has "
                                                        "their numbers): %2.")
                                                .arg(kMinSamplesForVerdict)
                                                .arg(fewSamples.join(", "))});
    pictures.blocks.push_back(ImageBlock{timelineImage(run.latency, label), QObject::tr("Timeline of every measured repeat")});
    out.push_back(std::move(pictures));

    if (registry)
        if (const auto engine = registry->findEngine(run.engineId))
            addEngineSections(engine->reportSections(run.datasets, run.parameters), out);
}

void addComparison(const host::RunRecord& a, const host::RunRecord& b, std::vector<Section>& out)
{
    const QString labelA = QString::fromStdString(a.label), labelB = QString::fromStdString(b.label);
    Section section{QObject::tr("Comparison: %1 vs %2").arg(labelA, labelB), 1, {}};
    section.blocks.push_back(Paragraph{QObject::tr("A = %1 on %2; B = %3 on %4. A stage is called faster or slower only when "
                                                   "the two runs' interquartile ranges do not overlap (at least %5 samples each).")
                                           .arg(labelA, QString::fromStdString(a.device), labelB, QString::fromStdString(b.device))
                                           .arg(kMinSamplesForVerdict)});
    TableBlock table{{QObject::tr("stage"), QObject::tr("A median ms"), QObject::tr("B median ms"), QObject::tr("B / A"),
                      QObject::tr("verdict"), QObject::tr("A p90 ms"), QObject::tr("B p90 ms")},
                     {},
                     QObject::tr("Per-stage comparison")};
    const auto rows = compareRecords(a.latency, b.latency);
    for (const auto& row : rows)
        table.rows.push_back({QString::fromStdString(row.stage), row.a.count ? ms(row.a.median) : "-",
                              row.b.count ? ms(row.b.median) : "-", row.ratio > 0 ? QString::number(row.ratio, 'f', 2) : "-",
                              QString::fromUtf8(toString(row.verdict)), row.a.count ? ms(row.a.p90) : "-",
                              row.b.count ? ms(row.b.p90) : "-"});
    section.blocks.push_back(table);
    for (const auto& row : rows) {
        const std::string& stage = row.stage;
        const bool total = &row == &rows.back();
        const auto durationsA = total ? a.latency.repeatTotalsUs : a.latency.durationsUs(stage);
        const auto durationsB = total ? b.latency.repeatTotalsUs : b.latency.durationsUs(stage);
        if (durationsA.empty() || durationsB.empty())
            continue;
        const QString name = QString::fromStdString(stage);
        section.blocks.push_back(ImageBlock{histogramImage(QObject::tr("'%1': A and B").arg(name), durationsA, "A", durationsB, "B"),
                                            QObject::tr("Overlaid histograms of '%1'").arg(name)});
    }
    out.push_back(std::move(section));
}

} // namespace

Document buildReport(const host::Session& session, const host::PluginRegistry* registry, const ReportOptions& options,
                     const ProgressFn& progress, const std::atomic<bool>* cancel)
{
    std::vector<int> runIds = options.runIds;
    if (runIds.empty())
        for (const auto& run : session.runs)
            runIds.push_back(run.id);
    for (int id : runIds)
        requireRun(session, id);
    for (const auto& [a, b] : options.comparisons) {
        requireRun(session, a);
        requireRun(session, b);
    }

    Document document;
    document.title = QObject::tr("Latency Studio report: %1").arg(QString::fromStdString(session.name));
    document.sections.push_back(coverSection(session, registry, options));
    const double steps = static_cast<double>(runIds.size() + options.comparisons.size() + 1);
    int step = 0;
    auto advance = [&](const QString& message) {
        if (cancel && cancel->load())
            throw CancelledError();
        if (progress)
            progress(step++ / steps, message);
    };
    for (int id : runIds) {
        const auto& run = requireRun(session, id);
        advance(QObject::tr("run %1").arg(QString::fromStdString(run.label)));
        const auto view = options.runViews.find(id);
        addRunSections(run, registry, view == options.runViews.end() ? QImage() : view->second, document.sections);
    }
    for (const auto& [a, b] : options.comparisons) {
        advance(QObject::tr("comparison of runs %1 and %2").arg(a).arg(b));
        addComparison(requireRun(session, a), requireRun(session, b), document.sections);
    }
    advance(QObject::tr("marked views"));
    if (!options.markedViews.empty()) {
        Section views{QObject::tr("Views"), 1, {}};
        for (const auto& view : options.markedViews)
            views.blocks.push_back(ImageBlock{view.image, view.caption});
        document.sections.push_back(std::move(views));
    }
    if (progress)
        progress(1.0, QObject::tr("report built"));
    return document;
}

} // namespace ls::report
