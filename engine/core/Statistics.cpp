#include "Statistics.h"

#include <algorithm>
#include <cmath>
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

} // namespace ls
