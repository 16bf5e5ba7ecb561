#pragma once
// The files a run read through its file parameters (a checkpoint, a trace file, a dataset folder),
// recorded with the run as its inputs: path, size and SHA-256, so that a report says what the
// result was computed from, and whether that file has changed since.
#include "engine/core/Parameters.h"

#include <cstdint>
#include <nlohmann/json.hpp>

namespace ls::host {

// One {key, file, bytes, shape, sha256} record per non-empty file parameter, in the form of the
// CLI's --input records. A folder is recorded with its path ("shape": "folder") and no hash; a file
// larger than kMaxHashedBytes with its size and no hash; a missing file is skipped (the run failed).
nlohmann::json fileParameterRecords(const ParameterSchema& schema, const ParameterValues& values);

constexpr std::int64_t kMaxHashedBytes = std::int64_t{1} << 30;

} // namespace ls::host
