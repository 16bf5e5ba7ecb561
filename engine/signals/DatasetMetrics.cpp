#include "DatasetMetrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace ls::reasoning {

double areaUnderRoc(const std::vector<double>& scores, const std::vector<bool>& positive)
{
    // Rank-sum form with average ranks for ties: O(n log n).
    const std::size_t n = scores.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    double positiveRankSum = 0;
    std::size_t positives = 0;
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        while (j < n && scores[order[j]] == scores[order[i]])
            ++j;
        const double averageRank = (static_cast<double>(i) + static_cast<double>(j - 1)) / 2.0 + 1.0;
        for (std::size_t k = i; k < j; ++k)
            if (positive[order[k]]) {
                positiveRankSum += averageRank;
                ++positives;
            }
        i = j;
    }
    const std::size_t negatives = n - positives;
    if (positives == 0 || negatives == 0)
        return std::numeric_limits<double>::quiet_NaN();
    const double u = positiveRankSum - static_cast<double>(positives) * (positives + 1) / 2.0;
    return u / (static_cast<double>(positives) * static_cast<double>(negatives));
}

std::vector<RocPoint> rocCurve(const std::vector<double>& scores, const std::vector<bool>& positive)
{
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    const auto positives = static_cast<double>(std::count(positive.begin(), positive.end(), true));
    const auto negatives = static_cast<double>(positive.size()) - positives;
    std::vector<RocPoint> curve{{0, 0, std::numeric_limits<double>::infinity()}};
    double truePositives = 0, falsePositives = 0;
    for (std::size_t i = 0; i < order.size();) {
        const double threshold = scores[order[i]];
        for (; i < order.size() && scores[order[i]] == threshold; ++i)
            (positive[order[i]] ? truePositives : falsePositives) += 1;
        curve.push_back({negatives > 0 ? falsePositives / negatives : 0, positives > 0 ? truePositives / positives : 0, threshold});
    }
    return curve;
}

std::pair<double, double> bootstrapAucInterval(const std::vector<double>& scores, const std::vector<bool>& positive,
                                               int resamples, double level, std::uint64_t seed)
{
    std::mt19937_64 engine(seed);
    std::uniform_int_distribution<std::size_t> pick(0, scores.empty() ? 0 : scores.size() - 1);
    std::vector<double> aucs, sampleScores(scores.size());
    std::vector<bool> samplePositive(scores.size());
    for (int r = 0; r < resamples && !scores.empty(); ++r) {
        for (std::size_t i = 0; i < scores.size(); ++i) {
            const std::size_t j = pick(engine);
            sampleScores[i] = scores[j];
            samplePositive[i] = positive[j];
        }
        const double auc = areaUnderRoc(sampleScores, samplePositive);
        if (!std::isnan(auc))
            aucs.push_back(auc);
    }
    if (aucs.empty())
        return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    std::sort(aucs.begin(), aucs.end());
    const auto at = [&](double fraction) {
        return aucs[std::min(aucs.size() - 1, static_cast<std::size_t>(fraction * static_cast<double>(aucs.size() - 1) + 0.5))];
    };
    return {at((1 - level) / 2), at(1 - (1 - level) / 2)};
}

std::vector<Bucket> accuracyByScoreQuantile(const std::vector<double>& scores, const std::vector<bool>& correct, int buckets)
{
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    std::vector<Bucket> out;
    if (order.empty() || buckets < 1)
        return out;
    for (int b = 0; b < buckets; ++b) {
        const std::size_t begin = order.size() * b / buckets, end = order.size() * (b + 1) / buckets;
        if (begin == end)
            continue;
        Bucket bucket{scores[order[begin]], scores[order[end - 1]], end - begin, 0};
        std::size_t right = 0;
        for (std::size_t i = begin; i < end; ++i)
            right += correct[order[i]];
        bucket.accuracy = static_cast<double>(right) / static_cast<double>(bucket.count);
        out.push_back(bucket);
    }
    return out;
}

std::vector<Bucket> accuracyByPeakBin(const std::vector<int>& bins, const std::vector<bool>& correct)
{
    std::vector<Bucket> out(3);
    std::vector<std::size_t> right(3, 0);
    for (std::size_t i = 0; i < bins.size(); ++i) {
        const int bin = std::clamp(bins[i], 0, 2);
        ++out[bin].count;
        right[bin] += correct[i];
    }
    for (int b = 0; b < 3; ++b) {
        out[b].lowScore = out[b].highScore = b;
        out[b].accuracy = out[b].count ? static_cast<double>(right[b]) / static_cast<double>(out[b].count)
                                       : std::numeric_limits<double>::quiet_NaN();
    }
    return out;
}

} // namespace ls::reasoning
