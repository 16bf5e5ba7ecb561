// One FlatFormer layer on the CPU against a straightforward double-precision statement of the
// same definition (gather by groups, attention with pe on queries and keys, scatter each token's
// own slot, post-norm residuals, GELU feed-forward), and against global attention when one group
// holds the whole cloud.
#include "FlatFormerCases.h"
#include "GpuCheckSupport.h"
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
using namespace ls::test;

namespace {

// The reference layer, random cases and comparisons live in FlatFormerCases.h (shared with the GPU
// checks); here they assert.
void compareRows(const std::vector<float>& got, const test::Rows& expected, int C, const std::vector<double>& conditioning = {})
{
    test::CheckOutcome outcome;
    test::compareRows(got, expected, C, outcome, conditioning);
    QVERIFY2(outcome.passed(), outcome.summary().c_str());
}

void compareAttention(const std::vector<float>& got, const test::AttentionCase& c, float tolerance = test::kFp32Tolerance)
{
    test::CheckOutcome outcome;
    test::compareAttention(got, c, outcome, tolerance);
    QVERIFY2(outcome.passed(), outcome.summary().c_str());
    qInfo("%s", outcome.worst().c_str());
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
    // The CUDA attention core against the CPU: tests/gpu/PointCloudChecks.cpp.
    LS_RUN_GPU_CHECK("pointcloud.attention");
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
    // A whole layer on the GPU against the CPU layer: tests/gpu/PointCloudChecks.cpp.
    LS_RUN_GPU_CHECK("pointcloud.layer");
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
