// latency-studio-cli sweep: the runs of a sweep file spread over MPI ranks (or run in one process),
// gathered on rank 0 into one session with a table of every run and latency against each swept
// parameter. A failed run is recorded and the others go on; Ctrl-C (SIGINT or SIGTERM, which
// mpirun and srun pass to every rank) cancels the running runs, records the rest as cancelled and
// still writes the session.
#include "Commands.h"
#include "ProgressLine.h"
#include "Ranks.h"
#include "SweepPlan.h"
#include "SweepSummary.h"

#include "app/host/PluginRegistry.h"
#include "app/host/Session.h"
#include "engine/core/AtomicFile.h"
#include "engine/core/EngineRunner.h"
#include "engine/core/Error.h"
#include "plugins/sdk/ExitCodes.h"

#include <QCommandLineParser>
#include <QFileInfo>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <unistd.h>

namespace ls::cli {

namespace {

std::atomic<bool> gSweepCancelled{false};

void cancelSweep(int) { gSweepCancelled = true; }

// A private scratch folder for this rank's part of the session (removed when done): ranks on
// other nodes need not share the session's folder.
class ScratchFolder {
public:
    ScratchFolder()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "latency-studio-sweep-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw FileError(pattern, "cannot make a scratch folder for this rank's runs");
        path_ = pattern;
    }
    ~ScratchFolder()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

std::string hostName()
{
    char name[256] = {};
    return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string("unknown host");
}

std::string fileText(const std::filesystem::path& path)
{
    const auto bytes = readFileBytes(path);
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

nlohmann::json outcomeToJson(const SweepOutcome& outcome)
{
    nlohmann::json json{{"index", outcome.index}, {"status", outcome.status}, {"message", outcome.message}, {"rank", outcome.rank},
                        {"seconds", outcome.seconds}, {"device", outcome.device}};
    if (outcome.medianMs)
        json["median_ms"] = *outcome.medianMs;
    if (outcome.p90Ms)
        json["p90_ms"] = *outcome.p90Ms;
    return json;
}

SweepOutcome outcomeFromJson(const nlohmann::json& json)
{
    SweepOutcome outcome;
    outcome.index = json.at("index").get<int>();
    outcome.status = json.at("status").get<std::string>();
    outcome.message = json.at("message").get<std::string>();
    outcome.rank = json.at("rank").get<int>();
    outcome.seconds = json.at("seconds").get<double>();
    outcome.device = json.at("device").get<std::string>();
    if (json.contains("median_ms"))
        outcome.medianMs = json["median_ms"].get<double>();
    if (json.contains("p90_ms"))
        outcome.p90Ms = json["p90_ms"].get<double>();
    return outcome;
}

RunRequest requestFor(const Engine& engine, const SweepPlan& plan, const SweepRun& run, int advisedRepeats, int advisedWarmup)
{
    RunRequest request;
    const auto schema = engine.parameterSchema();
    request.parameters = defaultValues(schema);
    for (const auto& [key, value] : plan.fixed.items())
        applyAssignment(schema, request.parameters, assignmentFor(key, value));
    for (const auto& [key, value] : run.point.items())
        applyAssignment(schema, request.parameters, assignmentFor(key, value));
    if (run.hasSeed)
        applyAssignment(schema, request.parameters, plan.seedParameter + "=" + std::to_string(run.seed));
    request.repeats = plan.repeatsGiven ? plan.repeats : (advisedRepeats > 0 ? advisedRepeats : plan.repeats);
    request.warmupRepeats = plan.warmupGiven ? plan.warmup : (advisedRepeats > 0 ? advisedWarmup : plan.warmup);
    request.device = deviceForRank(run.device);
    return request;
}


int sweepOnRanks(Ranks& ranks, const QCommandLineParser& parser, const SweepPlan& plan)
{
    host::PluginRegistry registry;
    registry.scanFolders(host::PluginRegistry::defaultSearchFolders());
    std::string engineId;
    const std::shared_ptr<Engine> engine = findEngineByName(registry, plan.engine, engineId);
    if (!engine)
        throw DeviceError("no engine '" + plan.engine + "' among the loaded plugins (see latency-studio-cli plugins)");
    const auto advice = engine->repeatAdvice();
    // Every run's parameters are checked before any starts (on every rank alike, so all stop).
    for (const SweepRun& run : plan.runs)
        try {
            requestFor(*engine, plan, run, advice.repeats, advice.warmupRepeats);
        } catch (const ArgumentError& error) {
            throw ArgumentError("run " + std::to_string(run.index + 1) + " (" + describeSweepRun(plan, run) + "): " + error.what());
        }
    const std::filesystem::path sessionPath = parser.value("session-out").toStdString();
    if (ranks.rank() == 0)
        requireWritableFolder(sessionPath.parent_path().empty() ? std::filesystem::path(".") : sessionPath.parent_path(), "--session-out");

    std::signal(SIGINT, cancelSweep);
    std::signal(SIGTERM, cancelSweep);
    std::signal(SIGUSR1, cancelSweep); // what mpirun forwards to every rank (it aborts the job on SIGINT)
    const bool chatty = !parser.isSet("quiet");
    const auto* plugin = registry.pluginOfEngine(engineId);
    host::Session mine;
    std::vector<SweepOutcome> myOutcomes;
    std::map<int, int> myRecords; // sweep index -> run id in `mine`
    auto runOne = [&](const SweepRun& run) {
        SweepOutcome outcome;
        outcome.index = run.index;
        outcome.rank = ranks.rank();
        const auto start = std::chrono::steady_clock::now();
        if (gSweepCancelled) {
            outcome.status = "cancelled";
        } else {
            try {
                const RunRequest request = requestFor(*engine, plan, run, advice.repeats, advice.warmupRepeats);
                const CompletedRun completed = runEngine(*engine, request, {}, &gSweepCancelled);
                outcome.status = "ok";
                outcome.device = hostName() + ": " + completed.device.describe(); // which machine, which device
                if (!completed.latency.repeatTotalsUs.empty()) {
                    const SampleStats stats = completed.latency.totalStats();
                    outcome.medianMs = stats.median / 1000;
                    outcome.p90Ms = stats.p90 / 1000;
                }
                host::RunRecord& record = mine.addCompletedRun(completed, engine->displayName(), plugin ? plugin->id.toStdString() : std::string());
                record.label = "Sweep " + std::to_string(run.index + 1) + "/" + std::to_string(plan.runs.size()) + ": " + describeSweepRun(plan, run);
                myRecords[run.index] = record.id;
            } catch (const CancelledError&) {
                outcome.status = "cancelled";
            } catch (const std::exception& error) {
                outcome.status = "failed";
                outcome.message = error.what();
            }
        }
        outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (chatty)
            std::fprintf(stderr, "[rank %d] run %d/%zu %s: %s%s%s\n", ranks.rank(), run.index + 1, plan.runs.size(), describeSweepRun(plan, run).c_str(),
                         outcome.status.c_str(), outcome.message.empty() ? "" : " - ", outcome.message.c_str());
        myOutcomes.push_back(outcome);
    };
    if (plan.dynamic) {
        for (long next = ranks.takeNext(); next < static_cast<long>(plan.runs.size()); next = ranks.takeNext())
            runOne(plan.runs[static_cast<std::size_t>(next)]);
    } else {
        for (std::size_t i = static_cast<std::size_t>(ranks.rank()); i < plan.runs.size(); i += static_cast<std::size_t>(ranks.size()))
            runOne(plan.runs[i]);
    }

    // This rank's part: its outcomes, and its runs as a session (JSON and sidecar) to load on rank 0.
    ScratchFolder scratch;
    host::saveSession(mine, scratch.path() / "part.lstudio");
    const nlohmann::json partDocument = nlohmann::json::parse(fileText(scratch.path() / "part.lstudio"));
    const std::string sidecarName = partDocument.value("sidecar", "");
    const std::string sessionText = fileText(scratch.path() / "part.lstudio");
    const std::string sidecarText = sidecarName.empty() ? std::string() : fileText(scratch.path() / sidecarName);
    nlohmann::json header{{"outcomes", nlohmann::json::array()}, {"records", nlohmann::json::object()}, {"session_bytes", sessionText.size()},
                          {"sidecar", sidecarName}, {"sidecar_bytes", sidecarText.size()}};
    for (const auto& outcome : myOutcomes)
        header["outcomes"].push_back(outcomeToJson(outcome));
    for (const auto& [index, id] : myRecords)
        header["records"][std::to_string(index)] = id;
    const std::vector<std::string> parts = ranks.gatherToRoot(header.dump() + "\n" + sessionText + sidecarText);

    bool anyFailed = false, anyCancelled = false;
    for (const auto& outcome : myOutcomes) {
        anyFailed = anyFailed || outcome.status == "failed";
        anyCancelled = anyCancelled || outcome.status == "cancelled";
    }
    anyFailed = ranks.anyRank(anyFailed);
    anyCancelled = ranks.anyRank(anyCancelled);
    if (ranks.rank() == 0) {
        std::vector<SweepOutcome> outcomes(plan.runs.size());
        for (std::size_t i = 0; i < outcomes.size(); ++i)
            outcomes[i].index = static_cast<int>(i);
        std::map<int, host::RunRecord> records;
        for (std::size_t r = 0; r < parts.size(); ++r) {
            const std::string& part = parts[r];
            const std::size_t newline = part.find('\n');
            const nlohmann::json partHeader = nlohmann::json::parse(part.substr(0, newline));
            const std::size_t sessionBytes = partHeader.at("session_bytes").get<std::size_t>();
            const std::filesystem::path folder = scratch.path() / ("rank" + std::to_string(r));
            std::filesystem::create_directories(folder);
            writeTextAtomically(folder / "part.lstudio", std::string_view(part).substr(newline + 1, sessionBytes));
            if (const std::string sidecar = partHeader.at("sidecar").get<std::string>(); !sidecar.empty())
                writeTextAtomically(folder / sidecar, std::string_view(part).substr(newline + 1 + sessionBytes));
            host::Session loaded = host::loadSession(folder / "part.lstudio");
            for (const auto& outcome : partHeader.at("outcomes"))
                outcomes[outcome.at("index").get<std::size_t>()] = outcomeFromJson(outcome);
            for (const auto& [index, id] : partHeader.at("records").items())
                if (const host::RunRecord* record = loaded.findRun(id.get<int>()))
                    records[std::stoi(index)] = *record;
        }
        host::Session merged;
        merged.name = QFileInfo(QString::fromStdString(sessionPath.string())).completeBaseName().toStdString();
        merged.activeEngineId = engineId;
        for (auto& [index, record] : records) // in the sweep's order, whichever rank ran them
            merged.addRun(std::move(record));
        host::RunRecord summary;
        summary.engineId = host::kSweepSummaryEngineId;
        summary.label = "Sweep summary: " + engine->displayName() + ", " + std::to_string(plan.runs.size()) + " runs on " + std::to_string(ranks.size())
                        + (ranks.size() == 1 ? " process" : " ranks");
        summary.parameters = {{"sweep", parser.positionalArguments().front().toStdString()}, {"ranks", ranks.size()},
                              {"schedule", plan.dynamic ? "dynamic" : "static"}};
        summary.datasets = sweepSummaryDatasets(plan, outcomes);
        summary.device = "summary of the runs above";
        merged.addRun(std::move(summary));
        nlohmann::json sweepState{{"engine", engineId}, {"ranks", ranks.size()}, {"outcomes", nlohmann::json::array()}};
        for (const auto& outcome : outcomes)
            sweepState["outcomes"].push_back(outcomeToJson(outcome));
        merged.viewState["sweep"] = sweepState;
        host::saveSession(merged, sessionPath);
        int ok = 0;
        for (const auto& outcome : outcomes)
            ok += outcome.status == "ok";
        std::fprintf(stderr, "sweep: %d of %zu runs ok on %d %s; session written to %s\n", ok, plan.runs.size(), ranks.size(),
                     ranks.size() == 1 ? "process" : "ranks", sessionPath.string().c_str());
        for (const auto& outcome : outcomes)
            if (outcome.status != "ok")
                std::fprintf(stderr, "  run %d (%s): %s%s%s\n", outcome.index + 1, describeSweepRun(plan, plan.runs[outcome.index]).c_str(),
                             outcome.status.c_str(), outcome.message.empty() ? "" : " - ", outcome.message.c_str());
    }
    ranks.barrier();
    return anyCancelled ? kCancelled : anyFailed ? kRunFailed : kOk;
}

} // namespace

int sweepCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Run a sweep file's runs (an engine over a grid or list of parameter values, seeds and devices) and gather them into one session.\n"
        "Under mpirun -np N or srun the runs are spread over the ranks (static: run i on rank i mod N; dynamic: each rank takes the next\n"
        "run when free), each rank pinning its own GPU; rank 0 writes the session. Without MPI it runs them in this process.\n"
        "A sweep file (JSON): {\"engine\": \"template\", \"parameters\": {...fixed...}, \"grid\": {\"points\": [1000, 5000]} or \"list\": [{...}],\n"
        "\"seeds\": [1, 2], \"seed_parameter\": \"seed\", \"repeats\": 5, \"warmup\": 1, \"devices\": [\"cpu\"|\"cuda\"|\"cuda:N\"|\"auto\"],\n"
        "\"schedule\": \"static\"|\"dynamic\"}.");
    parser.addHelpOption();
    parser.addPositionalArgument("sweep", "The sweep file (JSON, or the same keys in YAML: .yaml, .yml).");
    parser.addOptions({
        {"session-out", "The session to write (created or replaced): every run, and a summary run with the sweep's table and plots.", "file.lstudio"},
        {"schedule", "static or dynamic: overrides the sweep file's.", "schedule"},
        {"list", "Print the runs the sweep expands to, and stop."},
        {"quiet", "Print no progress."},
    });
    if (const auto done = parseArguments(parser, arguments, "sweep"))
        return *done;
    if (parser.positionalArguments().size() != 1) {
        std::fprintf(stderr, "latency-studio-cli sweep: name one sweep file\n");
        return kUsage;
    }
    SweepPlan plan = readSweepPlan(parser.positionalArguments().front().toStdString());
    if (parser.isSet("schedule")) {
        const QString schedule = parser.value("schedule");
        if (schedule != "static" && schedule != "dynamic")
            throw ArgumentError("--schedule is static or dynamic");
        plan.dynamic = schedule == "dynamic";
    }
    if (parser.isSet("list")) {
        for (const SweepRun& run : plan.runs)
            std::printf("%4d  %s\n", run.index + 1, describeSweepRun(plan, run).c_str());
        return kOk;
    }
    if (!parser.isSet("session-out"))
        throw ArgumentError("--session-out is required (the session the sweep's runs are gathered into)");

    Ranks ranks;
    try {
        return sweepOnRanks(ranks, parser, plan);
    } catch (const StudioError& error) {
        // The other ranks may be waiting for this one in a collective: end them all (Ranks::abandon).
        std::fprintf(stderr, "latency-studio-cli sweep%s: %s\n", ranks.distributed() ? (" (rank " + std::to_string(ranks.rank()) + ")").c_str() : "",
                     error.what());
        ranks.abandon(exitCodeFor(error));
        return exitCodeFor(error);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "latency-studio-cli sweep%s: %s\n", ranks.distributed() ? (" (rank " + std::to_string(ranks.rank()) + ")").c_str() : "",
                     error.what());
        ranks.abandon(kRunFailed);
        return kRunFailed;
    }
}

} // namespace ls::cli
