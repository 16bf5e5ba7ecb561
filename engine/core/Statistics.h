#pragma once
// Summary statistics of latency samples, the set profilers report (Tracy's statistics window).
#include <span>
#include <vector>

namespace ls {

struct SampleStats {
    std::size_t count = 0;
    double mean = 0, median = 0, stddev = 0, cv = 0; // stddev: sample (n-1); cv = stddev / mean
    double min = 0, max = 0;
    double p25 = 0, p75 = 0, p90 = 0, p99 = 0, p999 = 0;
};

// Percentile with linear interpolation between closest ranks (NumPy's default "linear" method).
// `sorted` must be ascending and non-empty; `fraction` in [0, 1].
double percentileOfSorted(std::span<const double> sorted, double fraction);

SampleStats computeStats(std::vector<double> samples);

} // namespace ls
