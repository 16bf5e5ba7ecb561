#pragma once
// FlatFormer's test cases, Qt-free: a straightforward double-precision statement of one layer and
// of group attention, random clouds, weights and attention cases, and the comparisons against them.
// Used by tst_flatformer and tst_flatten, and by the GPU check runner (tests/gpu).
#include "CheckOutcome.h"
#include "TestRandom.h"

#include "engine/pointcloud/FlatFormerLayer.h"
#include "engine/pointcloud/FlattenedWindows.h"
#include "engine/pointcloud/GroupAttentionCuda.h" // AttentionPrecision (declared in CPU builds too)
#include "engine/pointcloud/WindowAttention.h"

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace ls::test {

using namespace ls::pointcloud;

struct RandomCloud {
    GridShape grid;
    WindowShape window;
    int samples = 1;
    PillarCoords pillars;
};

inline RandomCloud randomCloud()
{
    RandomCloud cloud;
    cloud.grid = {static_cast<int>(uniformInt(5, 120)), static_cast<int>(uniformInt(5, 120))};
    cloud.window = {static_cast<int>(uniformInt(2, 13)), static_cast<int>(uniformInt(2, 13))};
    cloud.samples = static_cast<int>(uniformInt(1, 3));
    const float density = uniform(0.02f, 0.6f);
    for (int s = 0; s < cloud.samples; ++s)
        for (int y = 0; y < cloud.grid.ny; ++y)
            for (int x = 0; x < cloud.grid.nx; ++x)
                if (uniform(0, 1) < density) {
                    cloud.pillars.sample.push_back(s);
                    cloud.pillars.x.push_back(x);
                    cloud.pillars.y.push_back(y);
                }
    // Pillars arrive in no particular order.
    for (std::size_t i = cloud.pillars.size(); i > 1; --i) {
        const auto j = static_cast<std::size_t>(uniformInt(0, static_cast<std::int64_t>(i) - 1));
        std::swap(cloud.pillars.sample[i - 1], cloud.pillars.sample[j]);
        std::swap(cloud.pillars.x[i - 1], cloud.pillars.x[j]);
        std::swap(cloud.pillars.y[i - 1], cloud.pillars.y[j]);
    }
    return cloud;
}

inline std::vector<float> randomFloats(std::size_t n, float low, float high)
{
    std::vector<float> v(n);
    for (auto& x : v)
        x = uniform(low, high);
    return v;
}

// Random weights including biases and norm parameters, so that every term is exercised.
inline LayerWeights randomWeights(int channels, int heads)
{
    LayerWeights w = randomLayerWeights(channels, heads, static_cast<std::uint64_t>(uniformInt(0, 1 << 30)));
    w.inBias = randomFloats(w.inBias.size(), -0.2f, 0.2f);
    w.outBias = randomFloats(w.outBias.size(), -0.2f, 0.2f);
    w.fc1Bias = randomFloats(w.fc1Bias.size(), -0.2f, 0.2f);
    w.fc2Bias = randomFloats(w.fc2Bias.size(), -0.2f, 0.2f);
    w.norm1Scale = randomFloats(channels, 0.5f, 1.5f);
    w.norm1Bias = randomFloats(channels, -0.3f, 0.3f);
    w.norm2Scale = randomFloats(channels, 0.5f, 1.5f);
    w.norm2Bias = randomFloats(channels, -0.3f, 0.3f);
    return w;
}

using Rows = std::vector<std::vector<double>>;

inline std::vector<double> affine(const std::vector<double>& x, const std::vector<float>& weight, const std::vector<float>& bias,
                           std::size_t rowOffset, int out)
{
    std::vector<double> y(out);
    for (int o = 0; o < out; ++o) {
        y[o] = bias[rowOffset + o];
        for (std::size_t i = 0; i < x.size(); ++i)
            y[o] += x[i] * weight[(rowOffset + o) * x.size() + i];
    }
    return y;
}

// Returns the step's condition number, max|x| / spread: fp32 rounds the input relative to its
// magnitude, and normalising divides that error by the spread.
inline double normalise(std::vector<double>& x, const std::vector<float>& scale, const std::vector<float>& bias)
{
    double mean = 0, variance = 0, largest = 0;
    for (double v : x) largest = std::max(largest, std::abs(v));
    for (double v : x) mean += v;
    mean /= x.size();
    for (double v : x) variance += (v - mean) * (v - mean);
    variance /= x.size();
    for (std::size_t c = 0; c < x.size(); ++c)
        x[c] = (x[c] - mean) / std::sqrt(variance + 1e-5) * scale[c] + bias[c];
    return largest / std::sqrt(variance + 1e-5);
}

// softmax_j(q·k_j/√d) of head h.
inline std::vector<double> softmaxOfHead(const std::vector<double>& q, const Rows& keys, int h, int D)
{
    std::vector<double> score(keys.size());
    double best = -INFINITY, total = 0;
    for (std::size_t j = 0; j < keys.size(); ++j) {
        for (int d = 0; d < D; ++d) score[j] += q[h * D + d] * keys[j][h * D + d];
        score[j] /= std::sqrt(static_cast<double>(D));
        best = std::max(best, score[j]);
    }
    for (auto& s : score) total += s = std::exp(s - best);
    for (auto& s : score) s /= total;
    return score;
}

// The layer written out per token: its group is the slots of the group holding its own slot.
// `conditioning`, when given, receives each row's product of the two LayerNorms' condition numbers.
inline Rows referenceLayer(const Rows& x, const Rows& pe, const std::vector<std::int32_t>& order, const Grouping& grouping,
                    const LayerWeights& w, std::vector<double>* conditioning = nullptr)
{
    if (conditioning) conditioning->assign(x.size(), 1.0);
    const int C = w.channels, H = w.heads, D = C / H, G = grouping.groupSize;
    Rows out = x;
    for (std::size_t position = 0; position < order.size(); ++position) {
        const std::size_t pillar = order[position];
        const std::size_t group = grouping.orderToSlot[position] / G;
        std::vector<double> query(C);
        for (int c = 0; c < C; ++c) query[c] = x[pillar][c] + pe[pillar][c];
        const auto q = affine(query, w.inProjection, w.inBias, 0, C);
        // Keys: the group's G slots, except in a sample with fewer tokens than one group, whose
        // keys are its own tokens, once each (its padding repeats them).
        const std::int64_t slot = grouping.orderToSlot[position];
        const auto sample = std::upper_bound(grouping.sampleSlots.begin(), grouping.sampleSlots.end(), slot) - grouping.sampleSlots.begin() - 1;
        int keyCount = G;
        if (grouping.sampleSlots[sample + 1] - grouping.sampleSlots[sample] == G)
            keyCount = static_cast<int>(std::count_if(grouping.orderToSlot.begin(), grouping.orderToSlot.end(), [&](std::int32_t s) {
                return s >= grouping.sampleSlots[sample] && s < grouping.sampleSlots[sample + 1];
            }));
        Rows keys, values;
        for (int j = 0; j < keyCount; ++j) {
            const std::size_t member = order[grouping.slotToOrder[group * G + j]];
            std::vector<double> key(C);
            for (int c = 0; c < C; ++c) key[c] = x[member][c] + pe[member][c];
            keys.push_back(affine(key, w.inProjection, w.inBias, C, C));
            values.push_back(affine(x[member], w.inProjection, w.inBias, 2 * C, C));
        }
        std::vector<double> heads(C, 0.0);
        for (int h = 0; h < H; ++h) {
            const auto weight = softmaxOfHead(q, keys, h, D);
            for (int j = 0; j < keyCount; ++j)
                for (int d = 0; d < D; ++d) heads[h * D + d] += weight[j] * values[j][h * D + d];
        }
        const auto attended = affine(heads, w.outProjection, w.outBias, 0, C);
        std::vector<double> y(C);
        for (int c = 0; c < C; ++c) y[c] = x[pillar][c] + attended[c];
        const double condition1 = normalise(y, w.norm1Scale, w.norm1Bias);
        auto hidden = affine(y, w.fc1, w.fc1Bias, 0, 2 * C);
        for (auto& v : hidden) v = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        const auto projected = affine(hidden, w.fc2, w.fc2Bias, 0, C);
        for (int c = 0; c < C; ++c) y[c] += projected[c];
        const double condition2 = normalise(y, w.norm2Scale, w.norm2Bias);
        if (conditioning) (*conditioning)[pillar] = condition1 * condition2;
        out[pillar] = y;
    }
    return out;
}

inline Rows rowsOf(const std::vector<float>& flat, int C)
{
    Rows rows(flat.size() / C, std::vector<double>(C));
    for (std::size_t i = 0; i < flat.size(); ++i) rows[i / C][i % C] = flat[i];
    return rows;
}

// fp32 against double: relative 1e-5 of the values' scale (LayerNorm outputs are O(1)). Where the
// row's conditioning is known the bound is 5e-6 times it instead: a pre-norm row that is nearly
// constant (condition 2,000 in one seed of 1,200) amplifies fp32 rounding by as much; a typical
// row's conditioning is 2 to 5, and the worst error seen over 1,200 seeds was 8e-7 of it.
inline void compareRows(const std::vector<float>& got, const Rows& expected, int C, CheckOutcome& outcome, const std::vector<double>& conditioning = {})
{
    if (!outcome.require(got.size() == expected.size() * C, "row counts differ"))
        return;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double want = expected[i / C][i % C];
        const double relative = conditioning.empty() ? 1e-5 : 5e-6 * conditioning[i / C];
        outcome.within("element " + std::to_string(i) + " relative to max(1, |reference|)", std::abs(got[i] - want) / std::max(1.0, std::abs(want)), relative);
    }
}

inline PillarCoords randomPillars(int samples, int nx, int ny, float density)
{
    PillarCoords pillars;
    for (int s = 0; s < samples; ++s)
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x)
                if (uniform(0, 1) < density) {
                    pillars.sample.push_back(s);
                    pillars.x.push_back(x);
                    pillars.y.push_back(y);
                }
    return pillars;
}

// Attention of a member set (no padding, no mask), after the output projection, in double.
inline Rows referenceAttention(const Rows& x, const Rows& pe, const std::vector<std::int32_t>& members, const LayerWeights& w)
{
    const int C = w.channels, H = w.heads, D = C / H;
    Rows q, k, v, out;
    for (auto m : members) {
        std::vector<double> qk(C);
        for (int c = 0; c < C; ++c) qk[c] = x[m][c] + pe[m][c];
        q.push_back(affine(qk, w.inProjection, w.inBias, 0, C));
        k.push_back(affine(qk, w.inProjection, w.inBias, C, C));
        v.push_back(affine(x[m], w.inProjection, w.inBias, 2 * C, C));
    }
    for (std::size_t i = 0; i < members.size(); ++i) {
        std::vector<double> heads(C, 0.0);
        for (int h = 0; h < H; ++h) {
            std::vector<double> score(members.size(), 0.0);
            double best = -INFINITY, total = 0;
            for (std::size_t j = 0; j < members.size(); ++j) {
                for (int d = 0; d < D; ++d) score[j] += q[i][h * D + d] * k[j][h * D + d] / std::sqrt(static_cast<double>(D));
                best = std::max(best, score[j]);
            }
            for (auto& sc : score) total += sc = std::exp(sc - best);
            for (std::size_t j = 0; j < members.size(); ++j)
                for (int d = 0; d < D; ++d) heads[h * D + d] += score[j] / total * v[j][h * D + d];
        }
        out.push_back(affine(heads, w.outProjection, w.outBias, 0, C));
    }
    return out;
}

// A random layer's inputs, and the CPU (Eigen) attention of its groups as the reference.
struct AttentionCase {
    std::vector<std::int32_t> order;
    Grouping grouping;
    LayerWeights weights;
    std::vector<float> features, pe, reference;
};

// `small`: a cloud with fewer pillars than one group, whose group masks its padding keys.
inline AttentionCase attentionCase(bool small = false)
{
    AttentionCase c;
    const int heads = static_cast<int>(uniformInt(1, 8)), C = heads * static_cast<int>(uniformInt(2, 16));
    const PillarCoords pillars = small ? randomPillars(1, 8, 8, uniform(0.2f, 0.8f)) : randomPillars(1, 40, 40, uniform(0.05f, 0.4f));
    c.order = flattenOrderCpu(pillars, {40, 40}, {7, 7}, kBlockLayers[uniformInt(0, 3)]);
    const int groupSize = small ? static_cast<int>(pillars.size() + uniformInt(1, 60)) : static_cast<int>(uniformInt(4, 150));
    c.grouping = groupEqualSize(std::vector<std::int32_t>(c.order.size(), 0), 1, groupSize);
    c.weights = randomWeights(C, heads);
    c.features = randomFloats(pillars.size() * C, -1, 1);
    c.pe = positionalEncoding(pillars, C);
    c.reference = attendGroupsCpu(c.features, c.pe, c.order, c.grouping, c.weights);
    return c;
}

// Relative to max(1, |reference|): 1e-5 for fp32 both ways (summed in other orders); 1e-3 for the
// fp16 path (q, k, v rounded to 11 significant bits, fp32 accumulation) against fp32.
inline constexpr float kFp32Tolerance = 1e-5f, kFp16Tolerance = 1e-3f;

inline void compareAttention(const std::vector<float>& got, const AttentionCase& c, CheckOutcome& outcome, float tolerance = kFp32Tolerance)
{
    if (!outcome.require(got.size() == c.reference.size(), "attention output sizes differ"))
        return;
    for (std::size_t i = 0; i < got.size(); ++i)
        outcome.within("element " + std::to_string(i) + " relative to max(1, |reference|)",
                       std::abs(got[i] - c.reference[i]) / std::max(1.0f, std::abs(c.reference[i])), tolerance);
}

// The attention with the given core (host run or GPU) at a precision.
template <class Core> inline std::vector<float> attendWith(const AttentionCase& c, AttentionPrecision precision, Core&& core)
{
    return attendGroupsCpu(c.features, c.pe, c.order, c.grouping, c.weights,
                           [&](const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v, int g, int channels,
                               int h, std::span<const std::int32_t> keys) { return core(q, k, v, g, channels, h, keys, precision); });
}

} // namespace ls::test
