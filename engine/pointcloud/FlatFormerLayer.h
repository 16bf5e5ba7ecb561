#pragma once
// One FlatFormer layer on flattened groups, as the reference defines it (post-norm):
//   x ← LayerNorm₁(x + GroupAttention(x, pe)),   x ← LayerNorm₂(x + W₂·GELU(W₁·x + b₁) + b₂)
// GroupAttention is multi-head self-attention inside each equal-size group with the positional
// encoding added to queries and keys, not values. Padding slots (repeated tokens) take part as
// keys, as in the reference; only each token's own slot is written back.
#include "FlattenedWindows.h"

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace ls::pointcloud {

struct LayerWeights {
    int channels = 128;
    int heads = 8;
    std::vector<float> inProjection;   // [3C, C] rows: query, key, value projections
    std::vector<float> inBias;         // [3C]
    std::vector<float> outProjection;  // [C, C]
    std::vector<float> outBias;        // [C]
    std::vector<float> fc1;            // [2C, C]
    std::vector<float> fc1Bias;        // [2C]
    std::vector<float> fc2;            // [C, 2C]
    std::vector<float> fc2Bias;        // [C]
    std::vector<float> norm1Scale, norm1Bias, norm2Scale, norm2Bias; // [C] each
};

// Xavier-uniform matrices, zero biases, unit norms (the reference's initialisation), from a seed.
LayerWeights randomLayerWeights(int channels, int heads, std::uint64_t seed);

// Sinusoidal encoding of the integer pillar x and y: C/4·2 frequencies each, temperature T;
// pe = [sin(x/T^(2m/L)), cos(x/T^(2m/L)) for m…, same for y], zero-padded to C. [P, C]
std::vector<float> positionalEncoding(const PillarCoords& pillars, int channels, double temperature = 10000.0);

// Queries and keys (from features + pe) and values (from features) of every grouped slot, [slots, C] each.
struct SlotProjections {
    std::vector<float> q, k, v;
};
SlotProjections projectSlots(const std::vector<float>& features, const std::vector<float>& pe, const std::vector<std::int32_t>& order,
                             const Grouping& grouping, const LayerWeights& weights);

// The buffers of one layer on the CPU, kept across layers and repeats by whoever runs a stack
// (HostLayers), so a layer allocates nothing once the first has run at this size.
struct LayerWorkspace {
    SlotProjections projected;
    std::vector<float> slotX, slotQK, heads, attended, hidden, mlpOut;
    std::vector<std::vector<float>> scores; // per worker thread, [groupSize, groupSize]
};

// The layer's three stages, each timed by the engine: attention inside the groups (the gathered
// slots' attention outputs after the output projection, [slots, C]); the scatter of each token's
// own slot back onto its pillar as the residual; LayerNorm₁, the feed-forward, LayerNorm₂.
// `core`, when given, computes softmax(q·kᵀ/√d)·v of the projected slots (e.g. on the GPU,
// GroupAttentionCuda.h), each group over its first groupKeys[g] slots; by default the fused
// per-group kernels of LayerKernels.h, groups spread over the threads.
using AttentionCore = std::function<std::vector<float>(const std::vector<float>& q, const std::vector<float>& k,
                                                       const std::vector<float>& v, int groupSize, int channels, int heads,
                                                       std::span<const std::int32_t> groupKeys)>;
std::vector<float> attendGroupsCpu(const std::vector<float>& features, const std::vector<float>& pe, const std::vector<std::int32_t>& order,
                                   const Grouping& grouping, const LayerWeights& weights, const AttentionCore& core = {});
// The same into `workspace.attended` [slots, C], reusing the workspace's buffers.
void attendGroupsInto(LayerWorkspace& workspace, const std::vector<float>& features, const std::vector<float>& pe,
                      const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights,
                      const AttentionCore& core = {});
// What each pillar's query attends to: softmax(q·kᵀ/√d) averaged over the heads, [P, groupSize]
// in pillar order; row p holds the weights over the slots of p's group (slot order; a padding slot
// repeats a pillar, whose weight is then the sum over its slots). For picking in the studio.
std::vector<float> groupAttentionWeights(const std::vector<float>& features, const std::vector<float>& pe,
                                         const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights);
void scatterResidual(std::vector<float>& features, const std::vector<float>& attendedSlots, const std::vector<std::int32_t>& order,
                     const Grouping& grouping, int channels);
void feedForwardCpu(std::vector<float>& features, const LayerWeights& weights);
void feedForwardInto(LayerWorkspace& workspace, std::vector<float>& features, const LayerWeights& weights);

// y[n, out] = x[n, in] · Wᵀ + b for a PyTorch-layout W [out, in] (shared by the attention variants).
void linear(const float* x, std::size_t rows, int in, const float* weight, const float* bias, int out, float* y);

// Applies one layer in place to `features` [P, C] (pillar order); `order` and `grouping` come from
// flattenOrder*/groupEqualSize for this layer's kind; `pe` [P, C] in pillar order.
void flatFormerLayerCpu(std::vector<float>& features, const std::vector<float>& pe, const std::vector<std::int32_t>& order,
                        const Grouping& grouping, const LayerWeights& weights);

} // namespace ls::pointcloud
