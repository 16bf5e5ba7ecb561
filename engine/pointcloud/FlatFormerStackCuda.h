#pragma once
// FlatFormer layers entirely on the GPU: the pillar features stay on the device from layer to
// layer. Per layer: gather the grouped slots, Q/K/V projections (cuBLAS), the attention core
// (GroupAttentionDevice.h; fp32 or fp16 storage), output projection (cuBLAS), scatter of each
// token's own slot as the residual, LayerNorm, the feed-forward (cuBLAS + GELU), LayerNorm
// (LayerDevice.h). Only the order and grouping come from the host. Built with CUDA only.
#include "FlatFormerLayer.h"
#include "GroupAttentionCuda.h"
#include "engine/core/LatencyRecorder.h"

#include <memory>
#include <vector>

namespace ls::pointcloud {

class FlatFormerStackCuda {
public:
    // Uploads features and pe [P, C] to device `deviceIndex`.
    FlatFormerStackCuda(int deviceIndex, const std::vector<float>& features, const std::vector<float>& pe, int channels);
    ~FlatFormerStackCuda();
    FlatFormerStackCuda(const FlatFormerStackCuda&) = delete;
    FlatFormerStackCuda& operator=(const FlatFormerStackCuda&) = delete;

    // One layer in place; GPU stages land on the recorder's "gpu" lane under the open CPU stage:
    // attention (gather, qkv projection, attention core, out projection), then scatter, then ffn.
    void attend(const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights,
                AttentionPrecision precision, LatencyRecorder& recorder);
    void scatter(LatencyRecorder& recorder);
    void feedForward(const LayerWeights& weights, LatencyRecorder& recorder);

    std::vector<float> features() const; // downloads [P, C]

private:
    struct Device;
    std::unique_ptr<Device> device_;
};

} // namespace ls::pointcloud
