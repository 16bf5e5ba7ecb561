#pragma once
// The template engine's two paths: sample `count` points on a surface with Gaussian noise along
// the normal. Stages: draw uv → map to surface → add noise → attributes (each timed).
#include "SurfaceSampling.h"
#include "engine/core/Engine.h"

#include <cstddef>
#include <span>
#include <vector>

namespace ls::surface {

struct SurfaceSamples {
    std::vector<float> positions;   // [N, 3]
    std::vector<float> uv;          // [N, 2]
    std::vector<float> noiseOffset; // [N] signed offset along the normal (m)
    std::vector<float> height;      // [N] z after noise (m)
};

// `uvInput` empty: draw (u, v) from the seed; else [N, 2] given coordinates (count = N).
SurfaceSamples sampleSurfaceCpu(const SurfaceSpec& spec, std::size_t count, std::span<const float> uvInput,
                                RunContext& context);

// Same function on the GPU; stages are timed with CUDA events. Only built with CUDA.
SurfaceSamples sampleSurfaceCuda(const SurfaceSpec& spec, std::size_t count, std::span<const float> uvInput,
                                 RunContext& context);

} // namespace ls::surface
