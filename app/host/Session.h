#pragma once
// A studio session: the runs made (parameters, outputs, latency) and the view state, saved as a
// `.lstudio` JSON file with a sidecar `.npz` holding every dataset array. Qt-free so the CLI and
// tests use the same code.
#include "engine/core/Dataset.h"
#include "engine/core/EngineRunner.h"
#include "engine/core/LatencyRecorder.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ls::host {

// The engine id of a run no engine made: a sweep's summary (latency-studio-cli sweep), whose
// datasets are the sweep's table and plots.
inline constexpr const char* kSweepSummaryEngineId = "latency-studio.sweep";

struct RunRecord {
    int id = 0;
    std::string engineId;
    std::string pluginId;
    std::string label;                // "Run 2: surface sampler, 20000 points"
    nlohmann::json parameters;        // as set for the run
    std::string device;               // DeviceInfo::describe()
    nlohmann::json inputs = nlohmann::json::array(); // [{key, file, bytes, shape, sha256}] of input files
    std::vector<Dataset> datasets;
    std::map<std::string, NpzArchive> archives; // files the run handed over (a checkpoint), by name
    LatencyRecord latency;
};

struct Session {
    static constexpr int kFormatVersion = 1;

    std::string name = "Untitled";
    std::vector<RunRecord> runs;
    int nextRunId = 1;
    std::string activeEngineId;
    nlohmann::json parameterDrafts = nlohmann::json::object(); // engine id -> parameters being edited
    nlohmann::json viewState = nlohmann::json::object();       // views' own state (camera, colour-by...)

    RunRecord& addRun(RunRecord run); // assigns the id
    // Adds a finished run, labelled "Run <id>: <engine name> on <device>".
    RunRecord& addCompletedRun(const CompletedRun& run, const std::string& engineDisplayName, const std::string& pluginId);
    const RunRecord* findRun(int id) const;
};

// Saves atomically: the arrays go to a new sidecar, then the JSON replaces the old one in one
// rename, then the old sidecar is removed. A failure at any step leaves the previous pair intact.
void saveSession(const Session& session, const std::filesystem::path& path);

// Throws FileError / FormatError naming the file and the field.
Session loadSession(const std::filesystem::path& path);

} // namespace ls::host
