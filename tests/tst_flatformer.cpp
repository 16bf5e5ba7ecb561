// One FlatFormer layer on the CPU against a straightforward double-precision statement of the
// same definition (gather by groups, attention with pe on queries and keys, scatter each token's
// own slot, post-norm residuals, GELU feed-forward), and against global attention when one group
// holds the whole cloud.
#include "TestSupport.h"
#include "engine/core/Error.h"
#include "engine/core/Device.h"
#include "engine/core/Npy.h"
#include "engine/pointcloud/FlatFormerLayer.h"
#include "engine/pointcloud/GroupAttentionCuda.h"
#include "engine/pointcloud/LayerDevice.h"
#include "engine/pointcloud/LayerKernels.h"
#if LS_HAS_CUDA
#include "engine/pointcloud/FlatFormerStackCuda.h"
#endif
#include "engine/pointcloud/WindowAttention.h"

#include <cmath>
#include <cstring>
#include <map>
#include <numeric>

using namespace ls;
using namespace ls::pointcloud;

namespace {

std::vector<float> randomFloats(std::size_t n, float low, float high)
{
    std::vector<float> v(n);
    for (auto& x : v)
        x = test::uniform(low, high);
    return v;
}

// Random weights including biases and norm parameters, so that every term is exercised.
LayerWeights randomWeights(int channels, int heads)
{
    LayerWeights w = randomLayerWeights(channels, heads, static_cast<std::uint64_t>(test::uniformInt(0, 1 << 30)));
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

std::vector<double> affine(const std::vector<double>& x, const std::vector<float>& weight, const std::vector<float>& bias,
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
double normalise(std::vector<double>& x, const std::vector<float>& scale, const std::vector<float>& bias)
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
std::vector<double> softmaxOfHead(const std::vector<double>& q, const Rows& keys, int h, int D)
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
Rows referenceLayer(const Rows& x, const Rows& pe, const std::vector<std::int32_t>& order, const Grouping& grouping,
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

Rows rowsOf(const std::vector<float>& flat, int C)
{
    Rows rows(flat.size() / C, std::vector<double>(C));
    for (std::size_t i = 0; i < flat.size(); ++i) rows[i / C][i % C] = flat[i];
    return rows;
}

// fp32 against double: relative 1e-5 of the values' scale (LayerNorm outputs are O(1)). Where the
// row's conditioning is known the bound is 5e-6 times it instead: a pre-norm row that is nearly
// constant (condition 2,000 in one seed of 1,200) amplifies fp32 rounding by as much; a typical
// row's conditioning is 2 to 5, and the worst error seen over 1,200 seeds was 8e-7 of it.
void compareRows(const std::vector<float>& got, const Rows& expected, int C, const std::vector<double>& conditioning = {})
{
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double want = expected[i / C][i % C];
        const double relative = conditioning.empty() ? 1e-5 : 5e-6 * conditioning[i / C];
        QVERIFY2(std::abs(got[i] - want) <= relative * std::max(1.0, std::abs(want)),
                 qPrintable(QString("element %1: %2 vs %3 (bound %4 relative)").arg(i).arg(got[i]).arg(want).arg(relative)));
    }
}

PillarCoords randomPillars(int samples, int nx, int ny, float density)
{
    PillarCoords pillars;
    for (int s = 0; s < samples; ++s)
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x)
                if (test::uniform(0, 1) < density) {
                    pillars.sample.push_back(s);
                    pillars.x.push_back(x);
                    pillars.y.push_back(y);
                }
    return pillars;
}

// Attention of a member set (no padding, no mask), after the output projection, in double.
Rows referenceAttention(const Rows& x, const Rows& pe, const std::vector<std::int32_t>& members, const LayerWeights& w)
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
AttentionCase attentionCase(bool small = false)
{
    AttentionCase c;
    const int heads = static_cast<int>(test::uniformInt(1, 8)), C = heads * static_cast<int>(test::uniformInt(2, 16));
    const PillarCoords pillars = small ? randomPillars(1, 8, 8, test::uniform(0.2f, 0.8f)) : randomPillars(1, 40, 40, test::uniform(0.05f, 0.4f));
    c.order = flattenOrderCpu(pillars, {40, 40}, {7, 7}, kBlockLayers[test::uniformInt(0, 3)]);
    const int groupSize = small ? static_cast<int>(pillars.size() + test::uniformInt(1, 60)) : static_cast<int>(test::uniformInt(4, 150));
    c.grouping = groupEqualSize(std::vector<std::int32_t>(c.order.size(), 0), 1, groupSize);
    c.weights = randomWeights(C, heads);
    c.features = randomFloats(pillars.size() * C, -1, 1);
    c.pe = positionalEncoding(pillars, C);
    c.reference = attendGroupsCpu(c.features, c.pe, c.order, c.grouping, c.weights);
    return c;
}

// Relative to max(1, |reference|): 1e-5 for fp32 both ways (summed in other orders); 1e-3 for the
// fp16 path (q, k, v rounded to 11 significant bits, fp32 accumulation) against fp32.
constexpr float kFp32Tolerance = 1e-5f, kFp16Tolerance = 1e-3f;

void compareAttention(const std::vector<float>& got, const AttentionCase& c, float tolerance = kFp32Tolerance)
{
    QCOMPARE(got.size(), c.reference.size());
    float worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const float error = std::abs(got[i] - c.reference[i]) / std::max(1.0f, std::abs(c.reference[i]));
        worst = std::max(worst, error);
        QVERIFY2(error <= tolerance, qPrintable(QString("element %1: %2 vs %3").arg(i).arg(got[i]).arg(c.reference[i])));
    }
    qInfo("worst relative error %.3g (bound %.0e)", worst, tolerance);
}

// The attention with the given core (host run or GPU) at a precision.
template <class Core> std::vector<float> attendWith(const AttentionCase& c, AttentionPrecision precision, Core&& core)
{
    return attendGroupsCpu(c.features, c.pe, c.order, c.grouping, c.weights,
                           [&](const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v, int g, int channels,
                               int h, std::span<const std::int32_t> keys) { return core(q, k, v, g, channels, h, keys, precision); });
}

} // namespace

class TestFlatFormer : public QObject {
    Q_OBJECT
private slots:
    void layerMatchesTheDefinition()
    {
        for (int trial = 0; trial < 6; ++trial) {
            const int heads = static_cast<int>(test::uniformInt(1, 4)), C = heads * static_cast<int>(test::uniformInt(2, 8));
            const int samples = static_cast<int>(test::uniformInt(1, 3));
            const PillarCoords pillars = randomPillars(samples, 24, 20, test::uniform(0.02f, 0.3f));
            const GridShape grid{24, 20};
            const WindowShape window{static_cast<int>(test::uniformInt(2, 7)), static_cast<int>(test::uniformInt(2, 7))};
            const int groupSize = static_cast<int>(test::uniformInt(2, 40)); // with and without padding, groups larger than samples
            const LayerWeights weights = randomWeights(C, heads);
            const LayerKind kind = kBlockLayers[test::uniformInt(0, 3)];
            const auto order = flattenOrderCpu(pillars, grid, window, kind);
            std::vector<std::int32_t> samplesOrdered;
            for (auto i : order) samplesOrdered.push_back(pillars.sample[i]);
            const Grouping grouping = groupEqualSize(samplesOrdered, samples, groupSize);
            std::vector<float> features = randomFloats(pillars.size() * C, -1, 1);
            const std::vector<float> pe = positionalEncoding(pillars, C);
            std::vector<double> conditioning;
            const Rows expected = referenceLayer(rowsOf(features, C), rowsOf(pe, C), order, grouping, weights, &conditioning);
            flatFormerLayerCpu(features, pe, order, grouping, weights);
            compareRows(features, expected, C, conditioning);
        }
    }

    void attentionMapsAreTheHeadMeanSoftmax()
    {
        // What picking shows: pillar p's weights over its group's slots, averaged over the heads.
        const int heads = static_cast<int>(test::uniformInt(1, 4)), C = heads * static_cast<int>(test::uniformInt(2, 8));
        const PillarCoords pillars = randomPillars(1, 24, 20, test::uniform(0.05f, 0.3f));
        const WindowShape window{static_cast<int>(test::uniformInt(2, 7)), static_cast<int>(test::uniformInt(2, 7))};
        const int G = static_cast<int>(test::uniformInt(2, 40));
        const LayerWeights w = randomWeights(C, heads);
        const auto order = flattenOrderCpu(pillars, GridShape{24, 20}, window, kBlockLayers[test::uniformInt(0, 3)]);
        const Grouping grouping = groupEqualSize(std::vector<std::int32_t>(order.size(), 0), 1, G);
        const std::vector<float> features = randomFloats(pillars.size() * C, -1, 1), pe = positionalEncoding(pillars, C);
        const auto maps = groupAttentionWeights(features, pe, order, grouping, w);
        QCOMPARE(maps.size(), pillars.size() * G);
        const Rows x = rowsOf(features, C), p = rowsOf(pe, C);
        const int D = C / heads;
        auto keyInput = [&](std::size_t pillar) {
            std::vector<double> row(C);
            for (int c = 0; c < C; ++c) row[c] = x[pillar][c] + p[pillar][c];
            return row;
        };
        for (std::size_t position = 0; position < order.size(); ++position) {
            const std::size_t pillar = order[position], group = grouping.orderToSlot[position] / G;
            const auto q = affine(keyInput(pillar), w.inProjection, w.inBias, 0, C);
            // A cloud smaller than one group attends to its own pillars only; the rest weigh 0.
            const int keyCount = std::min<int>(G, static_cast<int>(order.size()));
            Rows keys;
            for (int j = 0; j < keyCount; ++j)
                keys.push_back(affine(keyInput(order[grouping.slotToOrder[group * G + j]]), w.inProjection, w.inBias, C, C));
            std::vector<double> mean(G, 0.0);
            for (int h = 0; h < heads; ++h) {
                const auto weight = softmaxOfHead(q, keys, h, D);
                for (int j = 0; j < keyCount; ++j) mean[j] += weight[j] / heads;
            }
            double total = 0;
            for (int j = 0; j < G; ++j) {
                const float got = maps[pillar * G + j];
                total += got;
                QVERIFY2(std::abs(got - mean[j]) <= 1e-5 * std::max(1.0, mean[j]),
                         qPrintable(QString("pillar %1 slot %2: %3 vs %4").arg(pillar).arg(j).arg(got).arg(mean[j])));
            }
            QVERIFY(std::abs(total - 1.0) < 1e-5);
        }
    }

    void oneGroupIsGlobalAttention()
    {
        // A single sample whose pillars fill exactly one group: the flattening only permutes,
        // so the layer equals global attention over the cloud, whatever the window or axis.
        const int C = 16, heads = 4;
        PillarCoords pillars = randomPillars(1, 16, 16, 0.2f);
        const int groupSize = static_cast<int>(pillars.size());
        QVERIFY(groupSize > 0);
        const LayerWeights weights = randomWeights(C, heads);
        const std::vector<float> input = randomFloats(pillars.size() * C, -1, 1);
        const std::vector<float> pe = positionalEncoding(pillars, C);
        std::vector<std::int32_t> identity(pillars.size());
        std::iota(identity.begin(), identity.end(), 0);
        const Grouping global = groupEqualSize(std::vector<std::int32_t>(pillars.size(), 0), 1, groupSize);
        std::vector<float> expected = input;
        flatFormerLayerCpu(expected, pe, identity, global, weights);
        for (const LayerKind kind : kBlockLayers) {
            std::vector<float> features = input;
            const auto order = flattenOrderCpu(pillars, {16, 16}, {4, 4}, kind);
            flatFormerLayerCpu(features, pe, order, global, weights);
            for (std::size_t i = 0; i < features.size(); ++i)
                QVERIFY(std::abs(features[i] - expected[i]) <= 1e-5f * std::max(1.0f, std::abs(expected[i])));
        }
    }

    void aCloudSmallerThanAGroupAttendsToItsPillarsOnly()
    {
        // What a reference gets by dropping the padding: the same cloud in a group of exactly its
        // size. Group sizes that are and are not multiples of the pillar count.
        const int C = 16, heads = 4;
        const PillarCoords pillars = randomPillars(1, 9, 9, 0.5f);
        const int count = static_cast<int>(pillars.size());
        QVERIFY(count > 2);
        const LayerWeights weights = randomWeights(C, heads);
        const std::vector<float> input = randomFloats(pillars.size() * C, -1, 1), pe = positionalEncoding(pillars, C);
        const auto order = flattenOrderCpu(pillars, {9, 9}, {4, 4}, kBlockLayers[0]);
        std::vector<float> unpadded = input;
        flatFormerLayerCpu(unpadded, pe, order, groupEqualSize(std::vector<std::int32_t>(order.size(), 0), 1, count), weights);
        for (const int groupSize : {count + 1, 2 * count, 2 * count + 3, 144}) {
            std::vector<float> features = input;
            flatFormerLayerCpu(features, pe, order, groupEqualSize(std::vector<std::int32_t>(order.size(), 0), 1, groupSize), weights);
            for (std::size_t i = 0; i < features.size(); ++i)
                QVERIFY2(std::abs(features[i] - unpadded[i]) <= 1e-5f * std::max(1.0f, std::abs(unpadded[i])),
                         qPrintable(QString("group %1, element %2: %3 vs %4").arg(groupSize).arg(i).arg(features[i]).arg(unpadded[i])));
        }
    }

    void paddedWindowsAreMaskedWindowAttention()
    {
        // Padding to a bucket with masked keys must equal attention over each window's own tokens.
        const int C = 16, heads = 2;
        const PillarCoords pillars = randomPillars(static_cast<int>(test::uniformInt(1, 2)), 30, 26, test::uniform(0.05f, 0.5f));
        const WindowShape window{static_cast<int>(test::uniformInt(3, 9)), static_cast<int>(test::uniformInt(3, 9))};
        const LayerWeights weights = randomWeights(C, heads);
        const std::vector<float> features = randomFloats(pillars.size() * C, -1, 1);
        const std::vector<float> pe = positionalEncoding(pillars, C);
        PaddedWindowStats stats;
        const auto attended = attendPaddedWindowsCpu(features, pe, pillars, window, weights, &stats);
        std::map<std::tuple<int, int, int>, std::vector<std::int32_t>> windows;
        for (std::size_t i = 0; i < pillars.size(); ++i)
            windows[{pillars.sample[i], pillars.x[i] / window.wx, pillars.y[i] / window.wy}].push_back(static_cast<std::int32_t>(i));
        QCOMPARE(stats.windows, windows.size());
        QVERIFY(stats.paddedTokens >= pillars.size());
        const Rows x = rowsOf(features, C), p = rowsOf(pe, C);
        for (const auto& [key, members] : windows) {
            const Rows expected = referenceAttention(x, p, members, weights);
            for (std::size_t i = 0; i < members.size(); ++i)
                for (int c = 0; c < C; ++c)
                    QVERIFY(std::abs(attended[members[i] * C + c] - expected[i][c]) <= 1e-5 * std::max(1.0, std::abs(expected[i][c])));
        }
    }

    void globalAttentionIsOneGroup()
    {
        const int C = 16, heads = 4;
        const PillarCoords pillars = randomPillars(1, 20, 20, 0.3f);
        const LayerWeights weights = randomWeights(C, heads);
        const std::vector<float> features = randomFloats(pillars.size() * C, -1, 1);
        const std::vector<float> pe = positionalEncoding(pillars, C);
        const auto global = attendGloballyCpu(features, pe, weights);
        const Rows expected = referenceAttention(rowsOf(features, C), rowsOf(pe, C),
                                                 [&] { std::vector<std::int32_t> all(pillars.size()); std::iota(all.begin(), all.end(), 0); return all; }(),
                                                 weights);
        for (std::size_t i = 0; i < global.size(); ++i)
            QVERIFY(std::abs(global[i] - expected[i / C][i % C]) <= 1e-5 * std::max(1.0, std::abs(expected[i / C][i % C])));
        const std::vector<float> tooMany((kMaxGlobalAttentionTokens + 1) * C, 0.5f);
        QVERIFY_THROWS_EXCEPTION(ArgumentError, attendGloballyCpu(tooMany, tooMany, weights));
    }

    void gpuAttentionCoreBodyMatchesCpuOnHost()
    {
        // The kernel's per-query body (online softmax), run on the host: checkable on any machine.
        for (int trial = 0; trial < 4; ++trial) {
            const AttentionCase c = attentionCase(trial == 3);
            compareAttention(attendWith(c, AttentionPrecision::Fp32, groupAttentionCoreOnHost), c);
            compareAttention(attendWith(c, AttentionPrecision::Fp16, groupAttentionCoreOnHost), c, kFp16Tolerance);
        }
    }

    void isaKernelsAgree()
    {
        // The AVX2+FMA build of the layer kernels against the baseline build, on the same inputs:
        // FMA and 8-wide sums round differently, so within 1e-5 of max(1, |baseline|); and GELU
        // (Eigen's vectorised erf) against the exact form in double.
        const LayerKernels& base = baseline::layerKernels();
        std::vector<const LayerKernels*> variants{&base};
        if (cpuHasAvx2Fma())
            variants.push_back(&avx2::layerKernels());
        else
            qInfo("this CPU has no AVX2+FMA: only the baseline kernels are checked");
        auto close = [](const std::vector<float>& got, const std::vector<float>& want, float bound) {
            for (std::size_t i = 0; i < got.size(); ++i)
                if (!(std::abs(got[i] - want[i]) <= bound * std::max(1.0f, std::abs(want[i]))))
                    return false;
            return true;
        };
        const int rows = static_cast<int>(test::uniformInt(1, 300)), in = static_cast<int>(test::uniformInt(1, 140));
        const int out = static_cast<int>(test::uniformInt(1, 140)), keys = static_cast<int>(test::uniformInt(1, 150));
        const int D = static_cast<int>(test::uniformInt(1, 32)), stride = D + static_cast<int>(test::uniformInt(0, 9));
        const auto x = randomFloats(static_cast<std::size_t>(rows) * in, -2, 2), w = randomFloats(static_cast<std::size_t>(out) * in, -1, 1);
        const auto b = randomFloats(out, -1, 1);
        const auto q = randomFloats(static_cast<std::size_t>(rows) * stride, -2, 2);
        const auto k = randomFloats(static_cast<std::size_t>(keys) * stride, -2, 2), v = randomFloats(static_cast<std::size_t>(keys) * stride, -2, 2);
        const auto scale = randomFloats(in, 0.5f, 1.5f), shift = randomFloats(in, -1, 1);
        std::vector<std::vector<float>> linear, weights, attended, normed, gelu;
        for (const LayerKernels* kernels : variants) {
            std::vector<float> y(static_cast<std::size_t>(rows) * out), p(static_cast<std::size_t>(rows) * keys);
            std::vector<float> o(static_cast<std::size_t>(rows) * stride, 0.0f), n = x, g = x;
            kernels->linear(x.data(), rows, in, w.data(), b.data(), out, y.data());
            kernels->attentionWeights(q.data(), k.data(), rows, keys, D, stride, 0.25f, p.data());
            kernels->weightedValues(p.data(), v.data(), rows, keys, D, stride, o.data());
            kernels->layerNorm(n.data(), rows, in, scale.data(), shift.data());
            kernels->gelu(g.data(), g.size());
            linear.push_back(y);
            weights.push_back(p);
            attended.push_back(o);
            normed.push_back(n);
            gelu.push_back(g);
        }
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double exact = 0.5 * x[i] * (1.0 + std::erf(x[i] / std::sqrt(2.0)));
            QVERIFY2(std::abs(gelu[0][i] - exact) <= 1e-6 * std::max(1.0, std::abs(exact)), qPrintable(QString("gelu(%1)").arg(x[i])));
        }
        for (int r = 0; r < rows; ++r) { // each row of weights is a softmax
            double total = 0;
            for (int j = 0; j < keys; ++j) total += weights[0][static_cast<std::size_t>(r) * keys + j];
            QVERIFY(std::abs(total - 1.0) < 1e-5);
        }
        for (std::size_t i = 1; i < variants.size(); ++i) {
            QVERIFY(close(linear[i], linear[0], 1e-5f));
            QVERIFY(close(weights[i], weights[0], 1e-5f));
            QVERIFY(close(attended[i], attended[0], 1e-5f));
            QVERIFY(close(normed[i], normed[0], 1e-5f));
            QVERIFY(close(gelu[i], gelu[0], 1e-5f));
        }
        qInfo("kernels in use here: %s", layerKernels().isa);
    }

    void halfBitsWidenExactly()
    {
        // The kernel's fp16 decode against the host's: every one of the 65 536 bit patterns.
        for (std::uint32_t bits = 0; bits < 0x10000u; ++bits) {
            const float wide = gpu::widen(gpu::HalfBits{static_cast<std::uint16_t>(bits)}), expected = halfToFloat(static_cast<std::uint16_t>(bits));
            QVERIFY2(std::memcmp(&wide, &expected, sizeof wide) == 0 || (std::isnan(wide) && std::isnan(expected)),
                     qPrintable(QString("bits %1: %2 vs %3").arg(bits, 4, 16).arg(wide).arg(expected)));
        }
    }

    void gpuAttentionCoreMatchesCpu()
    {
        const auto cuda = enumerateCudaDevices();
        if (cuda.devices.empty())
            QSKIP(qPrintable("no CUDA device for the kernel: " + QString::fromStdString(cuda.reason)));
#if LS_HAS_CUDA
        LatencyRecorder recorder;
        auto onGpu = [&](const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v, int g, int channels, int h,
                         std::span<const std::int32_t> keys, AttentionPrecision precision) {
            return groupAttentionCoreCuda(q, k, v, g, channels, h, keys, cuda.devices.front().index, recorder, precision);
        };
        for (const bool small : {false, true}) { // small: a cloud inside one group, padding keys masked
            const AttentionCase c = attentionCase(small);
            compareAttention(attendWith(c, AttentionPrecision::Fp32, onGpu), c);
            compareAttention(attendWith(c, AttentionPrecision::Fp16, onGpu), c, kFp16Tolerance);
        }
#else
        QSKIP("a CUDA device is present but this build has no CUDA path");
#endif
    }

    void gpuLayerBodiesMatchTheDefinition()
    {
        // The GPU layer's LayerNorm and GELU bodies, run on the host, against double precision.
        for (int trial = 0; trial < 20; ++trial) {
            const int C = static_cast<int>(test::uniformInt(2, 256));
            std::vector<float> row = randomFloats(C, -3, 3), scale = randomFloats(C, 0.5f, 1.5f), bias = randomFloats(C, -0.3f, 0.3f);
            std::vector<double> expected(row.begin(), row.end());
            normalise(expected, scale, bias);
            gpu::layerNormRow(row.data(), C, scale.data(), bias.data());
            for (int c = 0; c < C; ++c)
                QVERIFY2(std::abs(row[c] - expected[c]) <= 1e-5 * std::max(1.0, std::abs(expected[c])),
                         qPrintable(QString("C=%1 c=%2: %3 vs %4").arg(C).arg(c).arg(row[c]).arg(expected[c])));
        }
        for (int i = 0; i < 1000; ++i) {
            const double x = test::uniform(-8, 8);
            const double expected = 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
            QVERIFY(std::abs(gpu::geluOf(static_cast<float>(x)) - expected) <= 1e-6 * std::max(1.0, std::abs(expected)));
        }
    }

    void gpuLayersMatchCpu()
    {
        // A whole layer on the GPU (gather, cuBLAS projections, kernel, scatter, LayerNorm, FFN) in
        // fp32 against the CPU layer: relative 1e-5 of the values' scale; with the fp16 core: 1e-3
        // norm-wise.
        const auto cuda = enumerateCudaDevices();
        if (cuda.devices.empty())
            QSKIP(qPrintable("no CUDA device for the GPU layer: " + QString::fromStdString(cuda.reason)));
#if LS_HAS_CUDA
        for (const auto precision : {AttentionPrecision::Fp32, AttentionPrecision::Fp16}) {
            const AttentionCase c = attentionCase();
            std::vector<float> expected = c.features;
            flatFormerLayerCpu(expected, c.pe, c.order, c.grouping, c.weights);
            LatencyRecorder recorder;
            recorder.beginRepeat(false);
            FlatFormerStackCuda stack(cuda.devices.front().index, c.features, c.pe, c.weights.channels);
            stack.attend(c.order, c.grouping, c.weights, precision, recorder);
            stack.scatter(recorder);
            stack.feedForward(c.weights, recorder);
            recorder.endRepeat();
            const auto got = stack.features();
            if (precision == AttentionPrecision::Fp32) {
                compareRows(got, rowsOf(expected, c.weights.channels), c.weights.channels);
            } else { // a LayerNorm after the fp16 core can stretch single elements: held norm-wise
                double difference = 0, norm = 0;
                for (std::size_t i = 0; i < got.size(); ++i) {
                    difference += static_cast<double>(got[i] - expected[i]) * (got[i] - expected[i]);
                    norm += static_cast<double>(expected[i]) * expected[i];
                }
                qInfo("GPU layer with the fp16 core vs CPU fp32: ||difference|| / ||cpu|| = %.3g", std::sqrt(difference / norm));
                QVERIFY(std::sqrt(difference / norm) <= kFp16Tolerance);
            }
            const auto stages = recorder.record().stagePaths();
            QVERIFY(std::find(stages.begin(), stages.end(), "qkv projection") != stages.end());
        }
#else
        QSKIP("a CUDA device is present but this build has no CUDA path");
#endif
    }

    void positionalEncodingIsTheSinusoid()
    {
        PillarCoords pillars;
        pillars.sample = {0};
        pillars.x = {static_cast<std::int32_t>(test::uniformInt(0, 467))};
        pillars.y = {static_cast<std::int32_t>(test::uniformInt(0, 467))};
        const auto pe = positionalEncoding(pillars, 128); // 32 frequencies per axis, no padding
        QCOMPARE(pe.size(), std::size_t(128));
        for (int m = 0; m < 32; ++m) {
            const double angleX = pillars.x[0] / std::pow(10000.0, 2.0 * m / 64);
            QVERIFY(std::abs(pe[2 * m] - std::sin(angleX)) < 1e-6);
            QVERIFY(std::abs(pe[2 * m + 1] - std::cos(angleX)) < 1e-6);
            const double angleY = pillars.y[0] / std::pow(10000.0, 2.0 * m / 64);
            QVERIFY(std::abs(pe[64 + 2 * m] - std::sin(angleY)) < 1e-6);
        }
        QVERIFY_THROWS_EXCEPTION(ArgumentError, randomLayerWeights(130, 8, 1));
    }
};

QTEST_GUILESS_MAIN(TestFlatFormer)
#include "tst_flatformer.moc"
