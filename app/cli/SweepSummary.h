#pragma once
// The datasets a merged sweep session opens with: a table of every run (its varied values, device,
// status and latency); a table per swept parameter (each value's runs summarised); and, for each
// numeric swept parameter, median latency against it with a curve per combination of the other
// swept values and device.
#include "SweepPlan.h"

#include "engine/core/Dataset.h"

#include <optional>
#include <string>
#include <vector>

namespace ls::cli {

struct SweepOutcome {
    int index = 0;
    std::string status = "not run"; // "ok", "failed", "cancelled", "not run"
    std::string message;             // the error of a failed run
    int rank = 0;
    double seconds = 0;              // wall time of the run on its rank
    std::optional<double> medianMs, p90Ms; // of the run's repeat totals
    std::string device;              // where it ran: "host: DeviceInfo::describe()"
};

std::vector<Dataset> sweepSummaryDatasets(const SweepPlan& plan, const std::vector<SweepOutcome>& outcomes);

} // namespace ls::cli
