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

// Student's t quantile t(0.975, dof): the multiplier of a two-sided 95 % interval of a mean from
// dof + 1 values (tabled to 30 degrees of freedom, then interpolated in 1/dof towards 1.96).
double studentT975(int degreesOfFreedom);
// Half the width of the 95 % t-interval of the mean of `values` (0 for fewer than two).
double meanHalfWidth95(std::span<const double> values);

} // namespace ls
