#include "WindowAttention.h"

#include "engine/core/Error.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace ls::pointcloud {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Queries/keys from features + pe, values from features, for the given pillars in order: [n, C] each.
void project(const std::vector<float>& features, const std::vector<float>& pe, const std::vector<std::int32_t>& members,
             std::size_t rows, const LayerWeights& w, RowMajor& q, RowMajor& k, RowMajor& v)
{
    const int C = w.channels;
    RowMajor x = RowMajor::Zero(static_cast<Eigen::Index>(rows), C), qk = RowMajor::Zero(static_cast<Eigen::Index>(rows), C);
    for (std::size_t i = 0; i < members.size(); ++i)
        for (int c = 0; c < C; ++c) {
            x(static_cast<Eigen::Index>(i), c) = features[members[i] * static_cast<std::size_t>(C) + c];
            qk(static_cast<Eigen::Index>(i), c) = x(static_cast<Eigen::Index>(i), c) + pe[members[i] * static_cast<std::size_t>(C) + c];
        }
    q.resize(static_cast<Eigen::Index>(rows), C);
    k.resize(static_cast<Eigen::Index>(rows), C);
    v.resize(static_cast<Eigen::Index>(rows), C);
    linear(qk.data(), rows, C, w.inProjection.data(), w.inBias.data(), C, q.data());
    linear(qk.data(), rows, C, w.inProjection.data() + C * C, w.inBias.data() + C, C, k.data());
    linear(x.data(), rows, C, w.inProjection.data() + 2 * C * C, w.inBias.data() + 2 * C, C, v.data());
}

// Multi-head attention of `rows` tokens whose first `valid` are real: keys past `valid` are masked.
// Writes the output projection of the first `valid` rows to `out` rows `members`.
void attendMasked(const RowMajor& q, const RowMajor& k, const RowMajor& v, Eigen::Index valid, const std::vector<std::int32_t>& members,
                  const LayerWeights& w, std::vector<float>& out)
{
    const int C = w.channels, H = w.heads, D = C / H;
    const Eigen::Index rows = q.rows();
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    RowMajor heads(rows, C), scores(rows, rows);
    for (int h = 0; h < H; ++h) {
        scores.noalias() = q.middleCols(h * D, D) * k.middleCols(h * D, D).transpose() * scale;
        // Softmax over the real keys only; masked weights are set to exactly 0. (Eigen's vectorised
        // exp turns a −∞ mask into about 2.8e-39, a denormal that slowed every scores × V product
        // of this baseline many times over.)
        for (Eigen::Index i = 0; i < rows; ++i) {
            auto real = scores.row(i).head(valid);
            real = (real.array() - real.maxCoeff()).exp();
            real /= real.sum();
        }
        if (valid < rows)
            scores.rightCols(rows - valid).setZero();
        heads.middleCols(h * D, D).noalias() = scores * v.middleCols(h * D, D);
    }
    RowMajor projected(rows, C);
    linear(heads.data(), static_cast<std::size_t>(rows), C, w.outProjection.data(), w.outBias.data(), C, projected.data());
    for (Eigen::Index i = 0; i < valid; ++i)
        std::copy_n(projected.row(i).data(), C, out.data() + members[i] * static_cast<std::size_t>(C));
}

} // namespace

std::vector<int> windowBuckets(WindowShape window)
{
    // SST's drop sets for Waymo pad windows to 30, 60 or 100 tokens (12 × 12 windows): about a
    // fifth, two fifths and all of the cells; the same proportions here.
    const int cells = window.wx * window.wy;
    std::vector<int> buckets{std::max(1, (cells + 4) / 5), std::max(1, (2 * cells + 4) / 5), cells};
    buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
    return buckets;
}

std::vector<float> attendPaddedWindowsCpu(const std::vector<float>& features, const std::vector<float>& pe, const PillarCoords& pillars,
                                          WindowShape window, const LayerWeights& weights, PaddedWindowStats* stats)
{
    const int C = weights.channels;
    const std::size_t count = pillars.size();
    // Tokens by window (unshifted windows of equal shape), in any order inside a window.
    std::vector<std::int64_t> windowOf(count);
    std::int32_t maxX = 0;
    for (std::size_t i = 0; i < count; ++i)
        maxX = std::max(maxX, pillars.x[i]);
    const std::int64_t columns = maxX / window.wx + 1;
    for (std::size_t i = 0; i < count; ++i)
        windowOf[i] = (static_cast<std::int64_t>(pillars.sample[i]) << 40) + static_cast<std::int64_t>(pillars.y[i] / window.wy) * columns +
                      pillars.x[i] / window.wx;
    std::vector<std::int32_t> byWindow(count);
    std::iota(byWindow.begin(), byWindow.end(), 0);
    std::stable_sort(byWindow.begin(), byWindow.end(), [&](std::int32_t a, std::int32_t b) { return windowOf[a] < windowOf[b]; });
    const std::vector<int> buckets = windowBuckets(window);
    std::vector<float> out(count * C, 0.0f);
    PaddedWindowStats local;
    RowMajor q, k, v;
    for (std::size_t begin = 0; begin < count;) {
        std::size_t end = begin + 1;
        while (end < count && windowOf[byWindow[end]] == windowOf[byWindow[begin]])
            ++end;
        const std::vector<std::int32_t> members(byWindow.begin() + static_cast<std::ptrdiff_t>(begin),
                                                byWindow.begin() + static_cast<std::ptrdiff_t>(end));
        const int bucket = *std::lower_bound(buckets.begin(), buckets.end(), static_cast<int>(members.size()));
        project(features, pe, members, static_cast<std::size_t>(bucket), weights, q, k, v);
        attendMasked(q, k, v, static_cast<Eigen::Index>(members.size()), members, weights, out);
        ++local.windows;
        local.paddedTokens += static_cast<std::size_t>(bucket);
        begin = end;
    }
    if (stats)
        *stats = local;
    return out;
}

std::vector<float> attendGloballyCpu(const std::vector<float>& features, const std::vector<float>& pe, const LayerWeights& weights)
{
    const std::size_t count = features.size() / weights.channels;
    if (count > kMaxGlobalAttentionTokens)
        throw ArgumentError("global attention over " + std::to_string(count) + " pillars needs their " + std::to_string(count) + "² scores; " +
                            "it is offered up to " + std::to_string(kMaxGlobalAttentionTokens) + " pillars");
    std::vector<std::int32_t> all(count);
    std::iota(all.begin(), all.end(), 0);
    std::vector<float> out(features.size(), 0.0f);
    if (count == 0)
        return out;
    RowMajor q, k, v;
    project(features, pe, all, count, weights, q, k, v);
    attendMasked(q, k, v, static_cast<Eigen::Index>(count), all, weights, out);
    return out;
}

} // namespace ls::pointcloud
