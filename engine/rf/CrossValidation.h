#pragma once
// Validation a reader can trust (issue 24): every sample is scored by a field that never saw it,
// in K folds; the folds are either random or spatial blocks (k-means clusters of the transmitter
// positions, so that a held-out position's neighbours are held out with it, where interpolation is
// weakest); and every score comes with a bootstrap confidence interval. The baselines are scored
// on the same folds.
#include "RfDataset.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace ls::rf {

// `folds` disjoint folds covering `indices`, sizes within one of each other, in a seeded shuffle.
std::vector<std::vector<std::size_t>> randomFolds(const std::vector<std::size_t>& indices, int folds, std::uint64_t seed);

// `folds` spatial blocks: k-means of the samples' moving-end positions (seeded k-means++ start,
// Lloyd's iterations until nothing moves). One start, as scikit-learn's KMeans by default (since
// 1.4): a start can settle in a looser local optimum, so each seed is its own partition
// (docs/gsparc.md compares five). Blocks differ in size as the positions cluster; an
// empty cluster is refilled with the point farthest from its centre, so none is empty.
std::vector<std::vector<std::size_t>> spatialFolds(const RfDataset& dataset, const std::vector<std::size_t>& indices, int folds,
                                                   std::uint64_t seed);

// Distance from `position` to the nearest of `dataset.train`'s moving ends, in metres.
double distanceToTraining(const RfDataset& dataset, const std::array<float, 3>& position);

struct Interval {
    double estimate = 0, low = 0, high = 0; // the statistic on the values, and its 95 % percentile-bootstrap interval
};

// `statistic` of the values, with a percentile bootstrap over `resamples` seeded resamples.
Interval bootstrapInterval(const std::vector<double>& values, const std::function<double(std::vector<double>)>& statistic,
                           std::uint64_t seed, int resamples = 2000);

double meanOf(const std::vector<double>& values);

} // namespace ls::rf
