#include "Statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace ls {

double percentileOfSorted(std::span<const double> sorted, double fraction)
{
    const double rank = fraction * static_cast<double>(sorted.size() - 1);
    const auto lower = static_cast<std::size_t>(std::floor(rank));
    const auto upper = std::min(lower + 1, sorted.size() - 1);
    const double weight = rank - static_cast<double>(lower);
    return sorted[lower] + weight * (sorted[upper] - sorted[lower]);
}

SampleStats computeStats(std::vector<double> samples)
{
    SampleStats stats;
    stats.count = samples.size();
    if (samples.empty())
        return stats;
    std::sort(samples.begin(), samples.end());
    const double n = static_cast<double>(samples.size());
    stats.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / n;
    double squares = 0;
    for (double s : samples)
        squares += (s - stats.mean) * (s - stats.mean);
    stats.stddev = samples.size() > 1 ? std::sqrt(squares / (n - 1)) : 0.0;
    stats.cv = stats.mean != 0 ? stats.stddev / stats.mean : 0.0;
    stats.min = samples.front();
    stats.max = samples.back();
    stats.median = percentileOfSorted(samples, 0.5);
    stats.p25 = percentileOfSorted(samples, 0.25);
    stats.p75 = percentileOfSorted(samples, 0.75);
    stats.p90 = percentileOfSorted(samples, 0.90);
    stats.p99 = percentileOfSorted(samples, 0.99);
    stats.p999 = percentileOfSorted(samples, 0.999);
    return stats;
}

double studentT975(int degreesOfFreedom)
{
    static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                        2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                        2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (degreesOfFreedom < 1)
        return std::numeric_limits<double>::infinity();
    if (degreesOfFreedom <= 30)
        return kTable[degreesOfFreedom - 1];
    return 1.959964 + (kTable[29] - 1.959964) * 30.0 / degreesOfFreedom; // within 0.002 of the exact quantile
}

double meanHalfWidth95(std::span<const double> values)
{
    if (values.size() < 2)
        return 0;
    const SampleStats stats = computeStats(std::vector<double>(values.begin(), values.end()));
    return studentT975(static_cast<int>(values.size()) - 1) * stats.stddev / std::sqrt(static_cast<double>(values.size()));
}

} // namespace ls
