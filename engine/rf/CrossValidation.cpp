#include "CrossValidation.h"

#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace ls::rf {

namespace {

void checkFolds(std::size_t count, int folds)
{
    if (folds < 2 || static_cast<std::size_t>(folds) > count)
        throw ArgumentError("folds: " + std::to_string(folds) + " folds need 2 to " + std::to_string(count) + " samples' worth (" +
                            std::to_string(count) + " samples)");
}

double squaredDistance(const std::array<float, 3>& a, const std::array<double, 3>& b)
{
    double sum = 0;
    for (int axis = 0; axis < 3; ++axis)
        sum += (a[axis] - b[axis]) * (a[axis] - b[axis]);
    return sum;
}

} // namespace

std::vector<std::vector<std::size_t>> randomFolds(const std::vector<std::size_t>& indices, int folds, std::uint64_t seed)
{
    checkFolds(indices.size(), folds);
    std::vector<std::size_t> shuffled = indices;
    for (std::size_t i = shuffled.size(); i > 1; --i) { // Fisher–Yates with the counter RNG
        const auto j = static_cast<std::size_t>(rng::uniform(seed, i, 31) * static_cast<float>(i)) % i;
        std::swap(shuffled[i - 1], shuffled[j]);
    }
    std::vector<std::vector<std::size_t>> out(static_cast<std::size_t>(folds));
    for (std::size_t i = 0; i < shuffled.size(); ++i)
        out[i % out.size()].push_back(shuffled[i]);
    return out;
}

std::vector<std::vector<std::size_t>> spatialFolds(const RfDataset& dataset, const std::vector<std::size_t>& indices, int folds,
                                                   std::uint64_t seed)
{
    checkFolds(indices.size(), folds);
    auto position = [&](std::size_t i) -> const std::array<float, 3>& { return dataset.samples[indices[i]].movingEnd; };
    const std::size_t n = indices.size(), k = static_cast<std::size_t>(folds);
    // k-means++: each next centre drawn with probability ∝ squared distance to the nearest so far.
    std::vector<std::array<double, 3>> centres;
    auto asCentre = [](const std::array<float, 3>& p) { return std::array<double, 3>{p[0], p[1], p[2]}; };
    centres.push_back(asCentre(position(static_cast<std::size_t>(rng::uniform(seed, 0, 41) * static_cast<float>(n)) % n)));
    std::vector<double> nearest(n, std::numeric_limits<double>::max());
    while (centres.size() < k) {
        double total = 0;
        for (std::size_t i = 0; i < n; ++i) {
            nearest[i] = std::min(nearest[i], squaredDistance(position(i), centres.back()));
            total += nearest[i];
        }
        double target = rng::uniform(seed, centres.size(), 42) * total;
        std::size_t chosen = n - 1;
        for (std::size_t i = 0; i < n; ++i)
            if ((target -= nearest[i]) <= 0) {
                chosen = i;
                break;
            }
        centres.push_back(asCentre(position(chosen)));
    }
    std::vector<std::size_t> cluster(n, 0);
    for (int iteration = 0; iteration < 100; ++iteration) {
        bool moved = false;
        for (std::size_t i = 0; i < n; ++i) {
            std::size_t best = 0;
            for (std::size_t c = 1; c < k; ++c)
                if (squaredDistance(position(i), centres[c]) < squaredDistance(position(i), centres[best]))
                    best = c;
            moved |= best != cluster[i] || iteration == 0;
            cluster[i] = best;
        }
        std::vector<std::array<double, 3>> sums(k, {0, 0, 0});
        std::vector<std::size_t> counts(k, 0);
        for (std::size_t i = 0; i < n; ++i) {
            for (int axis = 0; axis < 3; ++axis)
                sums[cluster[i]][axis] += position(i)[axis];
            ++counts[cluster[i]];
        }
        for (std::size_t c = 0; c < k; ++c) {
            if (counts[c] == 0) { // refill an empty cluster with the point farthest from its own centre
                std::size_t farthest = 0;
                for (std::size_t i = 1; i < n; ++i)
                    if (squaredDistance(position(i), centres[cluster[i]]) > squaredDistance(position(farthest), centres[cluster[farthest]]))
                        farthest = i;
                cluster[farthest] = c;
                centres[c] = asCentre(position(farthest));
                moved = true;
                continue;
            }
            for (int axis = 0; axis < 3; ++axis)
                centres[c][axis] = sums[c][axis] / static_cast<double>(counts[c]);
        }
        if (!moved)
            break;
    }
    std::vector<std::vector<std::size_t>> out(k);
    for (std::size_t i = 0; i < n; ++i)
        out[cluster[i]].push_back(indices[i]);
    out.erase(std::remove_if(out.begin(), out.end(), [](const auto& fold) { return fold.empty(); }), out.end());
    return out;
}

double distanceToTraining(const RfDataset& dataset, const std::array<float, 3>& position)
{
    double best = std::numeric_limits<double>::max();
    for (const std::size_t index : dataset.train)
        best = std::min(best, squaredDistance(dataset.samples[index].movingEnd,
                                              std::array<double, 3>{position[0], position[1], position[2]}));
    return std::sqrt(best);
}

double meanOf(const std::vector<double>& values)
{
    return values.empty() ? 0.0 : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

Interval bootstrapInterval(const std::vector<double>& values, const std::function<double(std::vector<double>)>& statistic,
                           std::uint64_t seed, int resamples)
{
    Interval interval;
    if (values.empty())
        return interval;
    interval.estimate = statistic(values);
    std::vector<double> estimates(static_cast<std::size_t>(resamples));
    std::vector<double> resample(values.size());
    for (int r = 0; r < resamples; ++r) {
        for (std::size_t i = 0; i < values.size(); ++i) {
            const auto pick = static_cast<std::size_t>(rng::uniform(seed, static_cast<std::uint64_t>(r) * values.size() + i, 51) *
                                                       static_cast<float>(values.size()));
            resample[i] = values[std::min(pick, values.size() - 1)];
        }
        estimates[static_cast<std::size_t>(r)] = statistic(resample);
    }
    std::sort(estimates.begin(), estimates.end());
    auto at = [&](double fraction) {
        const double position = fraction * static_cast<double>(estimates.size() - 1);
        const auto below = static_cast<std::size_t>(std::floor(position));
        const std::size_t above = std::min(below + 1, estimates.size() - 1);
        return estimates[below] + (position - static_cast<double>(below)) * (estimates[above] - estimates[below]);
    };
    interval.low = at(0.025);
    interval.high = at(0.975);
    return interval;
}

} // namespace ls::rf
