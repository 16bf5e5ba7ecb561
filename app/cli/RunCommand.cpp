#include "Commands.h"
#include "plugins/sdk/ExitCodes.h"
#include "ProgressLine.h"
#include "Ranks.h"
#include "app/host/PluginRegistry.h"
#include "app/host/FileParameterRecords.h"
#include "app/host/Session.h"
#include "engine/core/AtomicFile.h"
#include "engine/core/Csv.h"
#include "engine/core/Npy.h"
#include "engine/core/DatasetIO.h"
#include "engine/core/Device.h"
#include "engine/core/EngineRunner.h"
#include "engine/core/LatencyExport.h"
#include "views/GridImageView.h"

#include <QCommandLineParser>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <fstream>
#include <optional>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <optional>

namespace ls::cli {
namespace {

std::atomic<bool> gCancelRequested{false};

void requestCancel(int)
{
    gCancelRequested = true;
}

// "--input uv=file.npy", or "--input file.npy" for an engine with exactly one input. Returns what
// a report shows of the input: file, size, shape and checksum.
nlohmann::json addInput(const Engine& engine, const QString& text, RunInputs& inputs)
{
    const auto specs = engine.inputSpecs();
    QString key, file = text;
    if (const int equals = text.indexOf('='); equals > 0) {
        key = text.left(equals);
        file = text.mid(equals + 1);
    } else if (specs.size() == 1) {
        key = QString::fromStdString(specs.front().key);
    } else {
        throw ArgumentError("--input " + text.toStdString() + ": write key=file.npy (" + engine.id() + " takes " +
                            std::to_string(specs.size()) + " inputs)");
    }
    const auto bytes = readFileBytes(file.toStdString());
    const NpyArray array = parseNpy(bytes, file.toStdString());
    inputs[key.toStdString()] = array;
    const QByteArray digest = QCryptographicHash::hash(
        QByteArrayView(reinterpret_cast<const char*>(bytes.data()), static_cast<qsizetype>(bytes.size())), QCryptographicHash::Sha256);
    return {{"key", key.toStdString()},
            {"file", QFileInfo(file).absoluteFilePath().toStdString()},
            {"bytes", bytes.size()},
            {"shape", shapeToString(array.shape) + " " + dtypeName(array.dtype)},
            {"sha256", digest.toHex().toStdString()}};
}

void printStats(const LatencyRecord& record)
{
    std::printf("%-28s %8s %10s %10s %10s %10s %8s\n", "stage", "count", "mean ms", "median ms", "p90 ms", "p99 ms", "cv");
    auto row = [](const std::string& name, const SampleStats& s) {
        std::printf("%-28s %8zu %10.3f %10.3f %10.3f %10.3f %8.3f\n", name.c_str(), s.count, s.mean / 1000,
                    s.median / 1000, s.p90 / 1000, s.p99 / 1000, s.cv);
    };
    for (const auto& path : record.stagePaths())
        row(path, record.stageStats(path));
    row("(repeat total)", record.totalStats());
}

std::string fileNameFor(std::string name)
{
    std::replace(name.begin(), name.end(), '/', '.');
    return name;
}

// Every dataset's arrays as .npy (and all of them in outputs.npz), tables also as CSV, grids that
// are pictures also as PNG, the run's archives (checkpoints) as they are, and the latency record.
void writeOutputs(const CompletedRun& run, const std::filesystem::path& folder)
{
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec)
        throw FileError(folder.string(), "cannot create the output folder: " + ec.message());
    NpzArchive all;
    nlohmann::json descriptors = nlohmann::json::array();
    for (const auto& dataset : run.output.datasets) {
        NpzArchive arrays;
        descriptors.push_back(storeDataset(dataset, dataset.name, arrays));
        for (const auto& [name, array] : arrays) {
            writeNpy(folder / (fileNameFor(name) + ".npy"), array);
            all[name] = array;
        }
        if (const auto* table = std::get_if<Table>(&dataset.content))
            writeTextAtomically(folder / (fileNameFor(dataset.name) + ".csv"), tableToCsv(*table));
        if (const auto* grid = std::get_if<Grid>(&dataset.content); grid && grid->showAsImage)
            for (int layer = 0; layer < grid->layerCount(); ++layer) { // a PNG per layer (frequency): "spectrum image-frequency1.png"
                const std::string suffix = grid->layerCount() > 1 ? "-" + grid->layerLabel + std::to_string(layer) : "";
                const auto png = folder / (fileNameFor(dataset.name + suffix) + ".png");
                if (!views::GridImageView::toImage(*grid, nullptr, nullptr, layer).save(QString::fromStdString(png.string()), "PNG"))
                    throw FileError(png.string(), "cannot write the PNG");
            }
    }
    for (const auto& [name, archive] : run.output.archives)
        writeNpz(folder / name, archive);
    writeNpz(folder / "outputs.npz", all);
    writeTextAtomically(folder / "datasets.json", descriptors.dump(2));
    writeTextAtomically(folder / "latency.json", latencyToJson(run.latency).dump(2));
    writeTextAtomically(folder / "latency-samples.csv", samplesToCsv(run.latency));
    writeTextAtomically(folder / "latency-stats.csv", statsToCsv(run.latency));
    writeTextAtomically(folder / "trace.json", toChromeTrace(run.latency).dump());
}

// `--out ckpt.npz` for a run that hands over one archive (lcm-train's checkpoint): the archive is
// written to that file and the rest of the outputs into the folder "ckpt-run" beside it.
void writeOutputsTo(const CompletedRun& run, const std::filesystem::path& out)
{
    // `--out spectrum.npy`: the run's first dataset as that one array (gsparc-render's spectrum);
    // everything else beside it, in "spectrum-run".
    if (out.extension() == ".npy" && !run.output.datasets.empty()) {
        NpzArchive arrays;
        storeDataset(run.output.datasets.front(), run.output.datasets.front().name, arrays);
        const std::filesystem::path folder = out.parent_path() / (out.stem().string() + "-run");
        writeOutputs(run, folder);
        writeNpy(out, arrays.begin()->second);
        std::fprintf(stderr, "%s written to %s (shape %s); all outputs in %s\n", run.output.datasets.front().name.c_str(), out.string().c_str(),
                     shapeToString(arrays.begin()->second.shape).c_str(), folder.string().c_str());
        return;
    }
    if (out.extension() != ".npz") {
        writeOutputs(run, out);
        std::fprintf(stderr, "outputs written to %s\n", out.string().c_str());
        return;
    }
    const std::filesystem::path folder = out.parent_path() / (out.stem().string() + "-run");
    if (run.output.archives.size() != 1) { // keep the run's work anyway
        writeOutputs(run, folder);
        std::fprintf(stderr, "--out %s: a .npz file takes the one archive a run hands over (a checkpoint), and this run hands over %zu; "
                             "all outputs are in %s instead\n", out.string().c_str(), run.output.archives.size(), folder.string().c_str());
        return;
    }
    CompletedRun rest = run;
    rest.output.archives.clear();
    writeOutputs(rest, folder);
    writeNpz(out, run.output.archives.begin()->second);
    std::fprintf(stderr, "%s written to %s; the other outputs to %s\n", run.output.archives.begin()->first.c_str(), out.string().c_str(),
                 folder.string().c_str());
}

// Where writeOutputsTo will write for `--out out`.
void requireWritableOutput(const std::filesystem::path& out)
{
    const bool singleFile = out.extension() == ".npy" || out.extension() == ".npz";
    const std::filesystem::path parent = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
    requireWritableFolder(singleFile ? parent : out, "--out");
}

// `--points in.pcd` is short for `--param points=in.pcd`: options that `run` does not know are
// taken as parameters of the engine (checked against its schema once it is loaded).
QStringList takeParameterShorthands(const QStringList& arguments, const QStringList& ownOptions, QStringList& assignments)
{
    QStringList kept{arguments.value(0)};
    for (int i = 1; i < arguments.size(); ++i) {
        const QString& argument = arguments[i];
        if (!argument.startsWith("--") || argument == "--") {
            kept << argument;
            continue;
        }
        const QString name = argument.mid(2).section('=', 0, 0);
        if (ownOptions.contains(name)) {
            kept << argument;
            continue;
        }
        if (argument.contains('='))
            assignments << argument.mid(2);
        else if (i + 1 < arguments.size())
            assignments << name + "=" + arguments[++i];
        else
            assignments << name; // applyAssignment says it needs key=value
    }
    return kept;
}

} // namespace

// A folder the run will write to, checked before the run starts: an unwritable --out must not be
// found only after an hour of training. The folder is created as writeOutputs would.
void requireWritableFolder(const std::filesystem::path& folder, const std::string& option)
{
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec || !std::filesystem::is_directory(folder))
        throw FileError(folder.string(), option + ": cannot create the folder (" + (ec ? ec.message() : "not a folder") + ")");
    const std::filesystem::path probe = folder / (".write-probe-" + std::to_string(::getpid()));
    {
        std::ofstream out(probe, std::ios::binary);
        if (!(out << "probe"))
            throw FileError(folder.string(), option + ": the folder is not writable");
    }
    std::filesystem::remove(probe, ec);
}

// An engine by its id, or by the last part of it when that is unique ("flatformer").
std::shared_ptr<Engine> findEngineByName(const host::PluginRegistry& registry, const std::string& name, std::string& id)
{
    if (auto engine = registry.findEngine(name)) {
        id = name;
        return engine;
    }
    std::shared_ptr<Engine> match;
    for (const auto& plugin : registry.plugins())
        for (const auto& engine : plugin->engines) {
            const std::string& full = engine->id();
            if (full.size() > name.size() && full.ends_with("." + name)) {
                if (match)
                    throw ArgumentError("'" + name + "' names more than one engine (" + match->id() + ", " + full + "); give the full id");
                match = engine;
            }
        }
    if (match)
        id = match->id();
    return match;
}


int runCommand(const QStringList& givenArguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Run an engine and write its outputs (.npy/.npz) and latency (JSON, CSV, Chrome trace).\n"
        "Engine parameters: --param key=value, or --key value (e.g. run flatformer --points in.pcd --weights w.npz --out DIR).");
    parser.addHelpOption();
    parser.addPositionalArgument("engine", "Engine id (see 'plugins'), or its last part when unique: 'flatformer'.");
    const QList<QCommandLineOption> options{
        {"param", "Set a parameter (repeatable).", "key=value"},
        {"input", "Input array (repeatable): key=file.npy, or file.npy for a one-input engine.", "input"},
        {"repeat", "Measured repeats (default 1).", "N", "1"},
        {"warmup", "Warm-up repeats, not recorded (default 1; 0 for engines that train a model).", "N", "1"},
        {"device", "cpu, cuda or cuda:N (default: LATENCY_STUDIO_DEVICE, else the first GPU, else CPU).", "device"},
        {"out", "Folder for outputs and latency files; or FILE.npz for the checkpoint a training engine hands over; or FILE.npy for the first dataset (a rendered spectrum).", "dir"},
        {"session-out", "Also save this run into a session file (created, or appended to).", "file.lstudio"},
        {"quiet", "Print no progress and no statistics table."},
    };
    parser.addOptions(options);
    QStringList ownOptions{"help", "h", "help-all"};
    for (const auto& option : options)
        ownOptions << option.names();
    QStringList shorthandAssignments;
    const QStringList arguments = takeParameterShorthands(givenArguments, ownOptions, shorthandAssignments);
    if (const auto done = parseArguments(parser, arguments, "run"))
        return *done;
    if (parser.positionalArguments().size() != 1) {
        std::fprintf(stderr, "latency-studio-cli run: name one engine (see 'latency-studio-cli plugins')\n");
        return kUsage;
    }
    const std::string engineName = parser.positionalArguments().front().toStdString();

    host::PluginRegistry registry;
    registry.scanFolders(host::PluginRegistry::defaultSearchFolders());
    std::string engineId = engineName;
    std::shared_ptr<Engine> engine;
    try {
        engine = findEngineByName(registry, engineName, engineId);
    } catch (const ArgumentError& error) {
        std::fprintf(stderr, "latency-studio-cli run: %s\n", error.what());
        return kUsage;
    }
    if (!engine) {
        std::fprintf(stderr, "latency-studio-cli run: no engine '%s' among the loaded plugins (see 'latency-studio-cli plugins')\n",
                     engineId.c_str());
        return kEnvironment;
    }

    std::signal(SIGINT, requestCancel);
    std::signal(SIGTERM, requestCancel);
    // Under mpirun or srun: the ranks run the engine together (GSpaRC training splits each batch
    // over them; engine/core/Collective.h); rank 0 alone prints and writes.
    Ranks ranks;
    setProcessCollective(ranks.distributed() ? &ranks : nullptr);
    struct Uninstall {
        ~Uninstall() { setProcessCollective(nullptr); }
    } uninstall;
    try {
        const bool writer = ranks.rank() == 0;
        RunRequest request;
        request.parameters = defaultValues(engine->parameterSchema());
        for (const QString& assignment : parser.values("param") + shorthandAssignments)
            applyAssignment(engine->parameterSchema(), request.parameters, assignment.toStdString());
        nlohmann::json inputRecords = nlohmann::json::array();
        for (const QString& input : parser.values("input"))
            inputRecords.push_back(addInput(*engine, input, request.inputs));
        bool repeatOk = false, warmupOk = false;
        request.repeats = parser.value("repeat").toInt(&repeatOk);
        request.warmupRepeats = parser.value("warmup").toInt(&warmupOk);
        if (const auto advice = engine->repeatAdvice(); advice.repeats > 0) { // e.g. engines that train: once
            if (!parser.isSet("repeat"))
                request.repeats = advice.repeats;
            if (!parser.isSet("warmup"))
                request.warmupRepeats = advice.warmupRepeats;
        }
        if (!repeatOk || !warmupOk)
            throw ArgumentError("--repeat and --warmup take whole numbers");
        request.device = parser.value("device").toStdString();
        if (ranks.distributed()) { // several ranks on a node share its GPUs out by local rank
            const char* fromEnvironment = std::getenv(kDeviceEnvironmentVariable);
            const std::string asked = !request.device.empty() ? request.device : fromEnvironment && *fromEnvironment ? fromEnvironment : "auto";
            request.device = deviceForRank(asked);
        }

        // Everything the run will write, and the session it appends to, checked before it starts.
        if (writer && parser.isSet("out"))
            requireWritableOutput(parser.value("out").toStdString());
        std::optional<host::Session> appendTo;
        if (writer && parser.isSet("session-out")) {
            const QString sessionPath = parser.value("session-out");
            if (QFileInfo::exists(sessionPath)) {
                appendTo = host::loadSession(sessionPath.toStdString());
            } else {
                appendTo.emplace();
                appendTo->name = QFileInfo(sessionPath).completeBaseName().toStdString();
            }
            const std::filesystem::path sessionFile = sessionPath.toStdString();
            requireWritableFolder(sessionFile.parent_path().empty() ? std::filesystem::path(".") : sessionFile.parent_path(), "--session-out");
        }
        // The files its parameters name (a checkpoint, a trace file), hashed as the run reads them.
        for (auto& record : host::fileParameterRecords(engine->parameterSchema(), request.parameters))
            inputRecords.push_back(std::move(record));
        const CompletedRun run = [&] {
            std::optional<ProgressLine> line;
            if (!parser.isSet("quiet") && writer)
                line.emplace();
            return runEngine(
                *engine, request, [&](double fraction, const std::string& message) { if (line) line->update(fraction, message); },
                &gCancelRequested);
        }();
        if (!writer)
            return kOk;
        std::fprintf(stderr, "device: %s (%s)%s\n", run.device.describe().c_str(), run.deviceReason.c_str(),
                     ranks.distributed() ? (", rank 0 of " + std::to_string(ranks.size())).c_str() : "");
        if (!parser.isSet("quiet"))
            printStats(run.latency);
        if (parser.isSet("out")) {
            writeOutputsTo(run, parser.value("out").toStdString());
        }
        if (parser.isSet("session-out")) {
            // Append to an existing session, so that scripts can collect runs to compare.
            host::Session& session = *appendTo; // loaded (or started) before the run
            session.activeEngineId = engineId;
            session.parameterDrafts[engineId] = parametersToJson(request.parameters);
            const auto* plugin = registry.pluginOfEngine(engineId);
            session.addCompletedRun(run, engine->displayName(), plugin ? plugin->id.toStdString() : std::string()).inputs =
                inputRecords;
            host::saveSession(session, parser.value("session-out").toStdString());
        }
        return kOk;
    } catch (const StudioError& error) {
        std::fprintf(stderr, "latency-studio-cli run: %s\n", error.what());
        ranks.abandon(exitCodeFor(error)); // the other ranks may be waiting for this one
        return exitCodeFor(error);
    } // anything else reaches the guard around every command (Guarded.cpp)
}

} // namespace ls::cli
