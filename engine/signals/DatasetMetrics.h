#pragma once
// Whether a signal predicts failure across a labelled set of traces: AUC (with a bootstrap
// confidence interval) and ROC of a score for "the answer is wrong", accuracy per score bucket,
// and accuracy by where the peak happened (early / middle / late).
#include <cstdint>
#include <utility>
#include <vector>

namespace ls::reasoning {

// Probability that a random positive scores above a random negative (ties count one half), i.e.
// the Mann–Whitney U statistic over (positives × negatives). Returns NaN without both classes.
double areaUnderRoc(const std::vector<double>& scores, const std::vector<bool>& positive);

struct RocPoint {
    double falsePositiveRate, truePositiveRate, threshold;
};
std::vector<RocPoint> rocCurve(const std::vector<double>& scores, const std::vector<bool>& positive);

// Percentile bootstrap over traces: `resamples` draws with replacement (seeded), the central
// `level` interval of the resampled AUCs. Draws without both classes are skipped.
std::pair<double, double> bootstrapAucInterval(const std::vector<double>& scores, const std::vector<bool>& positive,
                                               int resamples = 1000, double level = 0.95, std::uint64_t seed = 1);

struct Bucket {
    double lowScore = 0, highScore = 0; // score range of the bucket
    std::size_t count = 0;
    double accuracy = 0;                // fraction correct
};
// Traces sorted by score and cut into `buckets` groups of (nearly) equal size.
std::vector<Bucket> accuracyByScoreQuantile(const std::vector<double>& scores, const std::vector<bool>& correct, int buckets);

// Accuracy of the traces whose peak fell in each bin (0 early, 1 middle, 2 late).
std::vector<Bucket> accuracyByPeakBin(const std::vector<int>& bins, const std::vector<bool>& correct);

} // namespace ls::reasoning
