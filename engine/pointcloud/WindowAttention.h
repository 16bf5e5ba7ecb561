#pragma once
// The baselines FlatFormer is measured against, with the same weights and inputs:
// - padded window attention (SST-style): windows of equal SHAPE, so of unequal token counts; each
//   window is padded to the smallest bucket size that holds it and padded keys are masked out;
// - global attention over all pillars (one group of every token; for small clouds).
// Both return, like attendGroupsCpu, the attention output of each token after the output
// projection — here directly in pillar order, [P, C].
#include "FlatFormerLayer.h"

#include <vector>

namespace ls::pointcloud {

// Bucket sizes windows are padded to: SST-like drop sets at ⅕, ⅖ and all of the window's cells.
std::vector<int> windowBuckets(WindowShape window);

struct PaddedWindowStats {
    std::size_t windows = 0;
    std::size_t paddedTokens = 0; // Σ bucket sizes: the work the padding costs
};

std::vector<float> attendPaddedWindowsCpu(const std::vector<float>& features, const std::vector<float>& pe, const PillarCoords& pillars,
                                          WindowShape window, const LayerWeights& weights, PaddedWindowStats* stats = nullptr);

constexpr std::size_t kMaxGlobalAttentionTokens = 8192; // the P × P scores of one head must fit in memory

std::vector<float> attendGloballyCpu(const std::vector<float>& features, const std::vector<float>& pe, const LayerWeights& weights);

} // namespace ls::pointcloud
