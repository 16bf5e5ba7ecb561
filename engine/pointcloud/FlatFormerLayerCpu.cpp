#include "FlatFormerLayer.h"

#include "LayerKernels.h"
#include "engine/core/Error.h"
#include "engine/core/ParallelFor.h"
#include "engine/core/XavierUniform.h"

#include <algorithm>
#include <cmath>

namespace ls::pointcloud {

namespace {

// `body(begin, end)` on blocks of rows spread over the threads; below 256 rows a thread, starting
// one costs more than it saves.
template <class Body> void forRowBlocks(std::size_t rows, Body&& body)
{
    constexpr std::size_t kMinRowsPerThread = 256;
    parallelFor(rows, parallelWorkers(rows / kMinRowsPerThread), [&](std::size_t begin, std::size_t end, int) {
        if (begin < end)
            body(begin, end);
    });
}

} // namespace

// y[n, out] = x[n, in] · Wᵀ + b, with W [out, in] (the PyTorch Linear layout): the rows split
// over the threads, each block one GEMM of the CPU's best kernel (LayerKernels.h).
void linear(const float* x, std::size_t rows, int in, const float* weight, const float* bias, int out, float* y)
{
    const LayerKernels& kernels = layerKernels();
    forRowBlocks(rows, [&](std::size_t begin, std::size_t end) {
        kernels.linear(x + begin * in, end - begin, in, weight, bias, out, y + begin * out);
    });
}

LayerWeights randomLayerWeights(int channels, int heads, std::uint64_t seed)
{
    if (channels < 1 || heads < 1 || channels % heads != 0)
        throw ArgumentError("channels (" + std::to_string(channels) + ") must be a positive multiple of heads (" +
                            std::to_string(heads) + ")");
    LayerWeights w;
    w.channels = channels;
    w.heads = heads;
    w.inProjection = rng::xavierUniform(3 * channels, channels, seed, 1);
    w.inBias.assign(3 * channels, 0.0f);
    w.outProjection = rng::xavierUniform(channels, channels, seed, 2);
    w.outBias.assign(channels, 0.0f);
    w.fc1 = rng::xavierUniform(2 * channels, channels, seed, 3);
    w.fc1Bias.assign(2 * channels, 0.0f);
    w.fc2 = rng::xavierUniform(channels, 2 * channels, seed, 4);
    w.fc2Bias.assign(channels, 0.0f);
    w.norm1Scale.assign(channels, 1.0f);
    w.norm1Bias.assign(channels, 0.0f);
    w.norm2Scale.assign(channels, 1.0f);
    w.norm2Bias.assign(channels, 0.0f);
    return w;
}

std::vector<float> positionalEncoding(const PillarCoords& pillars, int channels, double temperature)
{
    const int length = channels / 4 * 2; // frequencies per axis
    std::vector<float> pe(pillars.size() * static_cast<std::size_t>(channels), 0.0f);
    std::vector<double> wavelength(static_cast<std::size_t>(length / 2));
    for (int m = 0; m < length / 2; ++m)
        wavelength[static_cast<std::size_t>(m)] = std::pow(temperature, 2.0 * m / length);
    for (std::size_t p = 0; p < pillars.size(); ++p) {
        float* row = pe.data() + p * channels;
        const double coordinate[2] = {static_cast<double>(pillars.x[p]), static_cast<double>(pillars.y[p])};
        for (int axis = 0; axis < 2; ++axis)
            for (int m = 0; m < length / 2; ++m) {
                const double angle = coordinate[axis] / wavelength[static_cast<std::size_t>(m)];
                row[axis * length + 2 * m] = static_cast<float>(std::sin(angle));
                row[axis * length + 2 * m + 1] = static_cast<float>(std::cos(angle));
            }
    }
    return pe;
}

namespace {

void projectSlotsInto(LayerWorkspace& w, const std::vector<float>& features, const std::vector<float>& pe,
                      const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights)
{
    const int C = weights.channels;
    const std::size_t pillars = order.size(), slots = grouping.slotToOrder.size();
    if (features.size() != pillars * C || pe.size() != pillars * C)
        throw ArgumentError("features and pe must be [" + std::to_string(pillars) + ", " + std::to_string(C) + "]");
    if (grouping.groupKeys.size() != grouping.groupCount())
        throw ArgumentError("the grouping holds " + std::to_string(grouping.groupKeys.size()) + " key counts for " +
                            std::to_string(grouping.groupCount()) + " groups");
    // Gather the slots: the pillar each slot holds, its features and features + pe (queries, keys).
    w.slotX.resize(slots * C);
    w.slotQK.resize(slots * C);
    for (std::size_t s = 0; s < slots; ++s) {
        const float* x = features.data() + static_cast<std::size_t>(order[grouping.slotToOrder[s]]) * C;
        const float* p = pe.data() + static_cast<std::size_t>(order[grouping.slotToOrder[s]]) * C;
        float* gathered = w.slotX.data() + s * C;
        float* queryKey = w.slotQK.data() + s * C;
        for (int c = 0; c < C; ++c) {
            gathered[c] = x[c];
            queryKey[c] = x[c] + p[c];
        }
    }
    for (auto* buffer : {&w.projected.q, &w.projected.k, &w.projected.v})
        buffer->resize(slots * C);
    linear(w.slotQK.data(), slots, C, weights.inProjection.data(), weights.inBias.data(), C, w.projected.q.data());
    linear(w.slotQK.data(), slots, C, weights.inProjection.data() + C * C, weights.inBias.data() + C, C, w.projected.k.data());
    linear(w.slotX.data(), slots, C, weights.inProjection.data() + 2 * C * C, weights.inBias.data() + 2 * C, C, w.projected.v.data());
}

// `body(group, keys, offset, scores)` for every group and head, the groups spread over the
// threads: `offset` is where the head's columns of the group's first slot start in the [slots, C]
// rows, `scores` a [G, G] buffer of the calling thread's own (in the workspace).
template <class Body> void forEachGroupHead(LayerWorkspace& w, const Grouping& grouping, int heads, int channels, Body&& body)
{
    const int G = grouping.groupSize, D = channels / heads;
    const std::size_t groups = grouping.groupCount();
    const int workers = parallelWorkers(groups);
    w.scores.resize(static_cast<std::size_t>(workers));
    for (auto& buffer : w.scores)
        buffer.resize(static_cast<std::size_t>(G) * G);
    parallelFor(groups, workers, [&](std::size_t begin, std::size_t end, int worker) {
        float* scores = w.scores[static_cast<std::size_t>(worker)].data();
        for (std::size_t g = begin; g < end; ++g)
            for (int h = 0; h < heads; ++h)
                body(g, grouping.groupKeys[g], g * G * channels + static_cast<std::size_t>(h) * D, scores);
    });
}

} // namespace

SlotProjections projectSlots(const std::vector<float>& features, const std::vector<float>& pe, const std::vector<std::int32_t>& order,
                             const Grouping& grouping, const LayerWeights& weights)
{
    LayerWorkspace workspace;
    projectSlotsInto(workspace, features, pe, order, grouping, weights);
    return std::move(workspace.projected);
}

void attendGroupsInto(LayerWorkspace& w, const std::vector<float>& features, const std::vector<float>& pe,
                      const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights,
                      const AttentionCore& core)
{
    const int C = weights.channels, H = weights.heads, D = C / H, G = grouping.groupSize;
    const std::size_t slots = grouping.slotToOrder.size();
    projectSlotsInto(w, features, pe, order, grouping, weights);
    // Plain references, not a structured binding: clang 14 cannot capture those in the lambda below.
    const std::vector<float>& q = w.projected.q;
    const std::vector<float>& k = w.projected.k;
    const std::vector<float>& v = w.projected.v;
    if (core) {
        w.heads = core(q, k, v, G, C, H, grouping.groupKeys);
    } else {
        // Softmax(q·kᵀ/√d)·v per group and head, fused: the group's scores stay in a per-thread
        // buffer (in cache) between the softmax and the product with the values.
        w.heads.resize(slots * C);
        const LayerKernels& kernels = layerKernels();
        const float scale = 1.0f / std::sqrt(static_cast<float>(D));
        forEachGroupHead(w, grouping, H, C, [&](std::size_t, int keys, std::size_t offset, float* scores) {
            kernels.attentionWeights(q.data() + offset, k.data() + offset, G, keys, D, C, scale, scores);
            kernels.weightedValues(scores, v.data() + offset, G, keys, D, C, w.heads.data() + offset);
        });
    }
    w.attended.resize(slots * C);
    linear(w.heads.data(), slots, C, weights.outProjection.data(), weights.outBias.data(), C, w.attended.data());
}

std::vector<float> attendGroupsCpu(const std::vector<float>& features, const std::vector<float>& pe, const std::vector<std::int32_t>& order,
                                   const Grouping& grouping, const LayerWeights& weights, const AttentionCore& core)
{
    LayerWorkspace workspace;
    attendGroupsInto(workspace, features, pe, order, grouping, weights, core);
    return std::move(workspace.attended);
}

std::vector<float> groupAttentionWeights(const std::vector<float>& features, const std::vector<float>& pe,
                                         const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights)
{
    const int C = weights.channels, H = weights.heads, D = C / H, G = grouping.groupSize;
    LayerWorkspace w;
    projectSlotsInto(w, features, pe, order, grouping, weights);
    const LayerKernels& kernels = layerKernels();
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    std::vector<float> slotWeights(grouping.slotToOrder.size() * G, 0.0f); // [slots, G], head mean; masked keys stay 0
    forEachGroupHead(w, grouping, H, C, [&](std::size_t g, int keys, std::size_t offset, float* scores) {
        kernels.attentionWeights(w.projected.q.data() + offset, w.projected.k.data() + offset, G, keys, D, C, scale, scores);
        for (int i = 0; i < G; ++i) {
            float* mean = slotWeights.data() + (g * G + i) * G;
            for (int j = 0; j < keys; ++j)
                mean[j] += scores[i * keys + j] / static_cast<float>(H);
        }
    });
    // Each pillar keeps its own slot's row.
    std::vector<float> pillarWeights(order.size() * G);
    for (std::size_t position = 0; position < order.size(); ++position)
        std::copy_n(slotWeights.data() + static_cast<std::size_t>(grouping.orderToSlot[position]) * G, G,
                    pillarWeights.data() + static_cast<std::size_t>(order[position]) * G);
    return pillarWeights;
}

void scatterResidual(std::vector<float>& features, const std::vector<float>& attendedSlots, const std::vector<std::int32_t>& order,
                     const Grouping& grouping, int channels)
{
    // Each token reads its own slot only: padding copies are never written back.
    for (std::size_t position = 0; position < order.size(); ++position) {
        const std::size_t pillar = static_cast<std::size_t>(order[position]), slot = grouping.orderToSlot[position];
        for (int c = 0; c < channels; ++c)
            features[pillar * channels + c] += attendedSlots[slot * channels + c];
    }
}

void feedForwardInto(LayerWorkspace& w, std::vector<float>& features, const LayerWeights& weights)
{
    const int C = weights.channels;
    const std::size_t pillars = features.size() / C;
    const LayerKernels& kernels = layerKernels();
    w.hidden.resize(pillars * 2 * C);
    w.mlpOut.resize(pillars * C);
    // Row blocks go through LayerNorm₁, fc1, GELU, fc2, the residual and LayerNorm₂ on one thread
    // each, so a block's hidden rows are still in cache when fc2 reads them.
    forRowBlocks(pillars, [&](std::size_t begin, std::size_t end) {
        const std::size_t rows = end - begin;
        float* x = features.data() + begin * C;
        float* hidden = w.hidden.data() + begin * 2 * C;
        float* projected = w.mlpOut.data() + begin * C;
        kernels.layerNorm(x, rows, C, weights.norm1Scale.data(), weights.norm1Bias.data());
        kernels.linear(x, rows, C, weights.fc1.data(), weights.fc1Bias.data(), 2 * C, hidden);
        kernels.gelu(hidden, rows * 2 * C);
        kernels.linear(hidden, rows, 2 * C, weights.fc2.data(), weights.fc2Bias.data(), C, projected);
        for (std::size_t i = 0; i < rows * C; ++i)
            x[i] += projected[i];
        kernels.layerNorm(x, rows, C, weights.norm2Scale.data(), weights.norm2Bias.data());
    });
}

void feedForwardCpu(std::vector<float>& features, const LayerWeights& weights)
{
    LayerWorkspace workspace;
    feedForwardInto(workspace, features, weights);
}

void flatFormerLayerCpu(std::vector<float>& features, const std::vector<float>& pe, const std::vector<std::int32_t>& order,
                        const Grouping& grouping, const LayerWeights& weights)
{
    LayerWorkspace workspace;
    attendGroupsInto(workspace, features, pe, order, grouping, weights);
    scatterResidual(features, workspace.attended, order, grouping, weights.channels);
    feedForwardInto(workspace, features, weights);
}

} // namespace ls::pointcloud
