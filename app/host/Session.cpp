#include "Session.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/DatasetIO.h"
#include "engine/core/Error.h"
#include "engine/core/JsonFields.h"
#include "engine/core/LatencyExport.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <limits>

namespace ls::host {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFormatName = "latency-studio-session";

std::string datasetPrefix(int runId, std::size_t index)
{
    return "run" + std::to_string(runId) + "/d" + std::to_string(index);
}

std::string archivePrefix(int runId, const std::string& archiveName)
{
    return "run" + std::to_string(runId) + "/archive/" + archiveName + "/";
}

// A fresh sidecar name per save, so the previous sidecar stays valid until the JSON points away.
fs::path newSidecarPath(const fs::path& sessionPath)
{
    const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
    return sessionPath.parent_path() / (sessionPath.stem().string() + "." + std::to_string(stamp) + ".npz");
}

nlohmann::json readJsonFile(const fs::path& path)
{
    return parseJsonText(readFileText(path), path.string());
}

// A sidecar named by a session must be a plain file name in the session's own folder: a session is
// untrusted input, and saving it removes its previous sidecar.
bool isPlainNpzName(const std::string& name)
{
    return !name.empty() && name.find('/') == std::string::npos && name.find('\\') == std::string::npos &&
           name.find('\0') == std::string::npos && name != "." && name != ".." && name.ends_with(".npz") &&
           name.front() != '.';
}

// "<stem>.<digits>.npz": a sidecar that saveSession made for this session file, the only kind it deletes.
bool isOwnSidecarName(const std::string& name, const fs::path& sessionPath)
{
    const std::string start = sessionPath.stem().string() + ".";
    if (!isPlainNpzName(name) || !name.starts_with(start))
        return false;
    const std::string stamp = name.substr(start.size(), name.size() - start.size() - 4);
    return !stamp.empty() && stamp.find_first_not_of("0123456789") == std::string::npos;
}

// Sidecars of this session file left behind by interrupted saves, and stale temporaries.
void sweepLeftovers(const fs::path& sessionPath, const std::string& keptSidecar)
{
    const fs::path folder = sessionPath.parent_path().empty() ? fs::path(".") : sessionPath.parent_path();
    sweepStaleTemporaries(folder, sessionPath.stem().string());
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name != keptSidecar && isOwnSidecarName(name, sessionPath) && it->is_regular_file(ec))
            fs::remove(it->path(), ec);
    }
}

} // namespace

RunRecord& Session::addRun(RunRecord run)
{
    run.id = nextRunId++;
    runs.push_back(std::move(run));
    return runs.back();
}

RunRecord& Session::addCompletedRun(const CompletedRun& run, const std::string& engineDisplayName, const std::string& pluginId)
{
    RunRecord record;
    record.engineId = run.latency.engineId;
    record.pluginId = pluginId;
    record.label = "Run " + std::to_string(nextRunId) + ": " + engineDisplayName + " on " +
                   (run.device.isCuda() ? run.device.id() : std::string("CPU"));
    record.parameters = run.latency.parameters;
    record.device = run.device.describe();
    record.datasets = run.output.datasets;
    record.archives = run.output.archives;
    record.latency = run.latency;
    return addRun(std::move(record));
}

const RunRecord* Session::findRun(int id) const
{
    for (const auto& run : runs)
        if (run.id == id)
            return &run;
    return nullptr;
}

void saveSession(const Session& session, const fs::path& path)
{
    // Build everything in memory first: a failure here touches no file.
    NpzArchive arrays;
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& run : session.runs) {
        nlohmann::json datasets = nlohmann::json::array();
        for (std::size_t i = 0; i < run.datasets.size(); ++i)
            datasets.push_back(storeDataset(run.datasets[i], datasetPrefix(run.id, i), arrays));
        nlohmann::json archives = nlohmann::json::object(); // file name -> its members, kept in the sidecar
        for (const auto& [name, archive] : run.archives) {
            nlohmann::json members = nlohmann::json::array();
            for (const auto& [member, array] : archive) {
                arrays[archivePrefix(run.id, name) + member] = array;
                members.push_back(member);
            }
            archives[name] = members;
        }
        runs.push_back({{"id", run.id},
                        {"archives", archives},
                        {"engine", run.engineId},
                        {"plugin", run.pluginId},
                        {"label", run.label},
                        {"parameters", run.parameters},
                        {"device", run.device},
                        {"inputs", run.inputs},
                        {"datasets", datasets},
                        {"latency", latencyToJson(run.latency)}});
    }
    const fs::path sidecar = newSidecarPath(path);
    nlohmann::json document{{"format", kFormatName},
                            {"version", Session::kFormatVersion},
                            {"name", session.name},
                            {"sidecar", sidecar.filename().string()},
                            {"nextRunId", session.nextRunId},
                            {"activeEngine", session.activeEngineId},
                            {"parameterDrafts", session.parameterDrafts},
                            {"viewState", session.viewState},
                            {"runs", runs}};
    std::string text;
    try {
        // Token text from servers can hold invalid UTF-8 (a byte-level token cut mid-character):
        // it is replaced by U+FFFD rather than making the session unsavable.
        text = document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const nlohmann::json::type_error& e) {
        throw FormatError(path.string(), std::string("session cannot be written as JSON: ") + e.what());
    }

    std::error_code ec;
    writeNpz(sidecar, arrays);
    try {
        writeTextAtomically(path, text);
    } catch (...) {
        fs::remove(sidecar, ec);
        throw;
    }
    // The previous sidecar and any left by interrupted saves: only files named as this session's
    // own sidecars, in its folder, are removed, whatever the previous JSON claimed.
    sweepLeftovers(path, sidecar.filename().string());
}

Session loadSession(const fs::path& path)
{
    const std::string source = path.string();
    const nlohmann::json document = readJsonFile(path);
    if (!document.is_object() || !document.contains("format") || !document["format"].is_string() ||
        document["format"].get<std::string>() != kFormatName)
        throw FormatError(source, std::string("not a Latency Studio session (expected \"format\": \"") + kFormatName + "\")");
    const int version = requiredField<int>(document, "version", source);
    if (version > Session::kFormatVersion)
        throw FormatError(source, "session format version " + std::to_string(version) +
                                      " is newer than this studio reads (" + std::to_string(Session::kFormatVersion) + ")");

    Session session;
    session.name = optionalField<std::string>(document, "name", path.stem().string(), source);
    session.nextRunId = optionalField<int>(document, "nextRunId", 1, source);
    session.activeEngineId = optionalField<std::string>(document, "activeEngine", "", source);
    session.parameterDrafts = optionalField<nlohmann::json>(document, "parameterDrafts", nlohmann::json::object(), source);
    session.viewState = optionalField<nlohmann::json>(document, "viewState", nlohmann::json::object(), source);
    if (!session.parameterDrafts.is_object() || !session.viewState.is_object())
        throw FormatError(source, "fields 'parameterDrafts' and 'viewState' must be objects");

    const auto runs = requiredField<nlohmann::json>(document, "runs", source);
    if (!runs.is_array())
        throw FormatError(source, "field 'runs' must be a list");
    NpzArchive arrays;
    const std::string sidecarName = optionalField<std::string>(document, "sidecar", "", source);
    if (!sidecarName.empty() && !isPlainNpzName(sidecarName))
        throw FormatError(source, "field 'sidecar' is \"" + sidecarName +
                                      "\"; it must be the name of a .npz file in the session's own folder");
    if (!runs.empty()) {
        if (sidecarName.empty())
            throw FormatError(source, "missing field 'sidecar' (the .npz with the run outputs)");
        arrays = readNpz(path.parent_path() / sidecarName);
    }
    const std::string sidecarSource = (path.parent_path() / sidecarName).string();
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const std::string where = source + " runs[" + std::to_string(r) + "]";
        const auto& item = runs[r];
        RunRecord run;
        run.id = requiredField<int>(item, "id", where);
        if (run.id < 1 || run.id >= std::numeric_limits<int>::max())
            throw FormatError(where, "field 'id' must be a positive run number");
        run.engineId = requiredField<std::string>(item, "engine", where);
        run.pluginId = optionalField<std::string>(item, "plugin", "", where);
        run.label = optionalField<std::string>(item, "label", "", where);
        run.parameters = optionalField<nlohmann::json>(item, "parameters", nlohmann::json::object(), where);
        if (!run.parameters.is_object())
            throw FormatError(where, "field 'parameters' must be an object");
        run.device = optionalField<std::string>(item, "device", "", where);
        run.inputs = optionalField<nlohmann::json>(item, "inputs", nlohmann::json::array(), where);
        run.latency = latencyFromJson(requiredField<nlohmann::json>(item, "latency", where), where + ".latency");
        const auto datasets = requiredField<nlohmann::json>(item, "datasets", where);
        if (!datasets.is_array())
            throw FormatError(where, "field 'datasets' must be a list");
        for (std::size_t i = 0; i < datasets.size(); ++i)
            run.datasets.push_back(loadDataset(datasets[i], datasetPrefix(run.id, i), arrays, sidecarSource));
        const nlohmann::json archives = optionalField<nlohmann::json>(item, "archives", nlohmann::json::object(), where);
        if (!archives.is_object())
            throw FormatError(where, "field 'archives' must be an object");
        for (const auto& [name, members] : archives.items()) {
            if (!members.is_array())
                throw FormatError(source, where + ".archives['" + name + "'] is not a list of member names");
            NpzArchive& archive = run.archives[name];
            for (const auto& member : members) {
                if (!member.is_string())
                    throw FormatError(source, where + ".archives['" + name + "'] holds a member name that is not text");
                const std::string key = archivePrefix(run.id, name) + member.get<std::string>();
                const auto found = arrays.find(key);
                if (found == arrays.end())
                    throw FormatError(sidecarSource, "member '" + key + "' (of the run's " + name + ") is missing");
                archive[member.get<std::string>()] = found->second;
            }
        }
        session.nextRunId = std::max(session.nextRunId, run.id + 1);
        session.runs.push_back(std::move(run));
    }
    return session;
}

} // namespace ls::host
