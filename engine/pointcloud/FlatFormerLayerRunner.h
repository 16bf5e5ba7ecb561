#pragma once
// Where a run's layers execute: on the host (the CPU path, every baseline, the fp16 core emulated
// by the kernel's body) or entirely on the GPU (flattened attention on a CUDA device; features stay
// on the device between layers). The engine drives both the same way, stage by stage.
#include "FlatFormerOutputs.h"
#include "FlatFormerLayer.h"
#include "engine/core/Engine.h"

#include <memory>

namespace ls::pointcloud {

class LayerRunner {
public:
    virtual ~LayerRunner() = default;
    virtual void attend(const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights) = 0;
    virtual void scatter() = 0;
    virtual void feedForward(const LayerWeights& weights) = 0;
    virtual const std::vector<float>& features() = 0; // the current features [P, C], on the host
    virtual std::string where() const = 0;            // for the flattening table
};

// `r` holds the attention variant, precision and the input features; `pe` [P, C] must outlive the runner.
std::unique_ptr<LayerRunner> makeLayerRunner(FlatFormerRunResult& r, const std::vector<float>& pe, RunContext& context);

} // namespace ls::pointcloud
