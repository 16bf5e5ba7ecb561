// FlatFormer's CUDA paths against the CPU: the flattened-window order, the group attention core in
// fp32 and fp16, and a whole layer (moved here from tst_flatten and tst_flatformer).
#include "FlatFormerCases.h"
#include "GpuCheckList.h"

#include "engine/core/LatencyRecorder.h"
#include "engine/pointcloud/FlatFormerStackCuda.h"
#include "engine/pointcloud/FlattenedWindowsCuda.h"
#include "engine/pointcloud/GroupAttentionCuda.h"

#include <algorithm>
#include <iterator>

namespace ls::test {

void checkFlattenOrder(const GpuCheckContext& context, CheckOutcome& outcome)
{
    for (int trial = 0; trial < (context.small ? 2 : 10); ++trial) {
        const RandomCloud cloud = randomCloud();
        std::vector<LayerKind> kinds(std::begin(kBlockLayers), std::end(kBlockLayers));
        for (const Curve curve : {Curve::ZOrder, Curve::Hilbert})
            for (const SortAxis axis : {SortAxis::X, SortAxis::Y})
                kinds.push_back({axis, false, curve});
        for (std::size_t k = 0; k < kinds.size(); ++k) {
            LatencyRecorder recorder;
            // Identical: the keys are unique.
            outcome.require(flattenOrderCuda(cloud.pillars, cloud.grid, cloud.window, kinds[k], context.device, recorder)
                                == flattenOrderCpu(cloud.pillars, cloud.grid, cloud.window, kinds[k]),
                            "trial " + std::to_string(trial) + ", layer kind " + std::to_string(k) + ": the GPU order differs");
        }
    }
}

void checkAttentionCore(const GpuCheckContext& context, CheckOutcome& outcome)
{
    LatencyRecorder recorder;
    auto onGpu = [&](const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v, int g, int channels, int h,
                     std::span<const std::int32_t> keys, AttentionPrecision precision) {
        return groupAttentionCoreCuda(q, k, v, g, channels, h, keys, context.device, recorder, precision);
    };
    for (const bool small : {false, true}) { // small: a cloud inside one group, padding keys masked
        if (context.small && !small)
            continue;
        const AttentionCase c = attentionCase(small);
        compareAttention(attendWith(c, AttentionPrecision::Fp32, onGpu), c, outcome);
        compareAttention(attendWith(c, AttentionPrecision::Fp16, onGpu), c, outcome, kFp16Tolerance);
    }
}

// A whole layer on the GPU (gather, cuBLAS projections, kernel, scatter, LayerNorm, FFN) in fp32
// against the CPU layer: relative 1e-5 of the values' scale; with the fp16 core: 1e-3 norm-wise
// (a LayerNorm after the fp16 core can stretch single elements).
void checkLayer(const GpuCheckContext& context, CheckOutcome& outcome)
{
    for (const auto precision : {AttentionPrecision::Fp32, AttentionPrecision::Fp16}) {
        const AttentionCase c = attentionCase(context.small);
        std::vector<float> expected = c.features;
        flatFormerLayerCpu(expected, c.pe, c.order, c.grouping, c.weights);
        LatencyRecorder recorder;
        recorder.beginRepeat(false);
        FlatFormerStackCuda stack(context.device, c.features, c.pe, c.weights.channels);
        stack.attend(c.order, c.grouping, c.weights, precision, recorder);
        stack.scatter(recorder);
        stack.feedForward(c.weights, recorder);
        recorder.endRepeat();
        const auto got = stack.features();
        if (precision == AttentionPrecision::Fp32) {
            compareRows(got, rowsOf(expected, c.weights.channels), c.weights.channels, outcome);
        } else if (outcome.require(got.size() == expected.size(), "fp16 layer output size differs")) {
            double difference = 0, norm = 0;
            for (std::size_t i = 0; i < got.size(); ++i) {
                difference += static_cast<double>(got[i] - expected[i]) * (got[i] - expected[i]);
                norm += static_cast<double>(expected[i]) * expected[i];
            }
            outcome.within("layer with the fp16 core, ||gpu - cpu fp32|| / ||cpu||", std::sqrt(difference / std::max(norm, 1e-300)), kFp16Tolerance);
        }
        const auto stages = recorder.record().stagePaths();
        outcome.require(std::find(stages.begin(), stages.end(), "qkv projection") != stages.end(), "no \"qkv projection\" stage was timed");
    }
}

} // namespace ls::test
