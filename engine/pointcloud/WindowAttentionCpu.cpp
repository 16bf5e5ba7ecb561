#include "WindowAttention.h"

#include "LayerKernels.h"
#include "engine/core/Error.h"
#include "engine/core/ParallelFor.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ls::pointcloud {
namespace {

// One thread's buffers for a set of tokens: gathered inputs, q, k, v, head outputs, scores.
struct TokenBuffers {
    std::vector<float> x, qk, q, k, v, heads, projected, scores;
};

// Attention of `rows` gathered tokens (`members`, then padding rows of zeros up to `rows`) whose
// keys are the first `valid`, on one thread with the CPU's layer kernels (the same as the
// flattened path's, LayerKernels.h). Writes the output projection of the real rows to `out` rows
// `members`. The padded rows are projected and attend, as padded windows do; the masked keys are
// skipped rather than computed and zeroed, which only favours this baseline.
void attendTokens(const std::vector<float>& features, const std::vector<float>& pe, const std::int32_t* members, std::size_t valid,
                  std::size_t rows, const LayerWeights& w, TokenBuffers& b, std::vector<float>& out)
{
    const LayerKernels& kernels = layerKernels();
    const int C = w.channels, H = w.heads, D = C / H;
    const std::size_t values = rows * static_cast<std::size_t>(C);
    for (auto* buffer : {&b.x, &b.qk, &b.q, &b.k, &b.v, &b.heads, &b.projected})
        buffer->assign(values, 0.0f);
    for (std::size_t i = 0; i < valid; ++i) {
        const float* f = features.data() + static_cast<std::size_t>(members[i]) * C;
        const float* p = pe.data() + static_cast<std::size_t>(members[i]) * C;
        for (int c = 0; c < C; ++c) {
            b.x[i * C + c] = f[c];
            b.qk[i * C + c] = f[c] + p[c];
        }
    }
    kernels.linear(b.qk.data(), rows, C, w.inProjection.data(), w.inBias.data(), C, b.q.data());
    kernels.linear(b.qk.data(), rows, C, w.inProjection.data() + C * C, w.inBias.data() + C, C, b.k.data());
    kernels.linear(b.x.data(), rows, C, w.inProjection.data() + 2 * C * C, w.inBias.data() + 2 * C, C, b.v.data());
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    // Query rows in blocks, so a global attention's scores stay [block, keys], not [rows, rows].
    constexpr std::size_t kRowBlock = 256;
    b.scores.resize(std::min(rows, kRowBlock) * valid);
    for (std::size_t first = 0; first < rows; first += kRowBlock) {
        const int block = static_cast<int>(std::min(kRowBlock, rows - first));
        for (int h = 0; h < H; ++h) {
            const std::size_t offset = first * C + static_cast<std::size_t>(h) * D;
            kernels.attentionWeights(b.q.data() + offset, b.k.data() + static_cast<std::size_t>(h) * D, block, static_cast<int>(valid), D, C,
                                     scale, b.scores.data());
            kernels.weightedValues(b.scores.data(), b.v.data() + static_cast<std::size_t>(h) * D, block, static_cast<int>(valid), D, C,
                                   b.heads.data() + offset);
        }
    }
    kernels.linear(b.heads.data(), valid, C, w.outProjection.data(), w.outBias.data(), C, b.projected.data());
    for (std::size_t i = 0; i < valid; ++i)
        std::copy_n(b.projected.data() + i * C, C, out.data() + static_cast<std::size_t>(members[i]) * C);
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
    std::vector<std::pair<std::size_t, std::size_t>> windows; // [begin, end) in byWindow
    for (std::size_t begin = 0; begin < count;) {
        std::size_t end = begin + 1;
        while (end < count && windowOf[byWindow[end]] == windowOf[byWindow[begin]])
            ++end;
        windows.emplace_back(begin, end);
        ++local.windows;
        local.paddedTokens += static_cast<std::size_t>(*std::lower_bound(buckets.begin(), buckets.end(), static_cast<int>(end - begin)));
        begin = end;
    }
    // Windows spread over the threads, as the flattened path spreads its groups.
    const int workers = parallelWorkers(windows.size());
    std::vector<TokenBuffers> buffers(static_cast<std::size_t>(workers));
    parallelFor(windows.size(), workers, [&](std::size_t first, std::size_t last, int worker) {
        for (std::size_t i = first; i < last; ++i) {
            const auto [begin, end] = windows[i];
            const int bucket = *std::lower_bound(buckets.begin(), buckets.end(), static_cast<int>(end - begin));
            attendTokens(features, pe, byWindow.data() + begin, end - begin, static_cast<std::size_t>(bucket), weights,
                         buffers[static_cast<std::size_t>(worker)], out);
        }
    });
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
    TokenBuffers buffers;
    attendTokens(features, pe, all.data(), count, count, weights, buffers, out);
    return out;
}

} // namespace ls::pointcloud
