#pragma once
// Chrome trace event JSON into latency records, so traces from other tools (and the studio's own
// exports) can be viewed and compared in the same views. Reads complete events ('X'), begin/end
// pairs ('B'/'E', matched per process and thread), counters ('C', kept as counter series) and
// metadata ('M', thread names become lane names). Both the {"traceEvents": [...]} object form and a
// bare event array are accepted.
#include "LatencyRecorder.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ls {

struct ImportedTrace {
    // One record per process id; stages are nested by containment on each thread (lane).
    std::vector<LatencyRecord> records;
    // Counter series by name: (timestamp µs, value) pairs.
    std::map<std::string, std::vector<std::pair<double, double>>> counters;
};

// `source` names the file in errors, which give the event index and field ("traceEvents[12]: 'E'
// without a matching 'B' on pid 1 tid 2"), or the line for JSON syntax errors.
ImportedTrace importChromeTrace(const std::string& jsonText, const std::string& source);
ImportedTrace importChromeTraceFile(const std::filesystem::path& path);

} // namespace ls
