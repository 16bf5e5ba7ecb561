#pragma once
// Latency records out of (and back into) the studio: JSON for sessions and the CLI, Chrome trace
// event JSON (loads in Perfetto, chrome://tracing and Tracy's importer) and CSV for spreadsheets.
#include "LatencyRecorder.h"

#include <nlohmann/json.hpp>
#include <string>

namespace ls {

nlohmann::json latencyToJson(const LatencyRecord& record);
// `source` names the file or session in error messages.
LatencyRecord latencyFromJson(const nlohmann::json& json, const std::string& source);

nlohmann::json statsToJson(const SampleStats& stats);

// Complete ('X') events per stage instance on one thread per lane, a 'C' counter of each repeat's
// total, and 'M' metadata naming the process and threads. Timestamps in microseconds.
nlohmann::json toChromeTrace(const LatencyRecord& record);

// One row per stage instance: repeat, stage path, lane, start and duration in microseconds.
std::string samplesToCsv(const LatencyRecord& record);
// One row per stage with the statistics of SampleStats, in microseconds.
std::string statsToCsv(const LatencyRecord& record);

} // namespace ls
