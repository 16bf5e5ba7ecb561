#include "SurfaceSampler.h"

#include "engine/core/ParallelFor.h"

// Each point's draws depend only on (seed, index), so the loops run in parallel and still give the
// same numbers as one thread, or the GPU. ls::parallelFor, not OpenMP: its workers clear the AVX
// upper register state first (AUTHORING.md, "Threads of your own"); OpenMP's pool does not.

namespace ls::surface {
namespace {

// Runs body(i) for every point index, split between the hardware threads.
template <class Body> void forEachPoint(std::size_t count, Body&& body)
{
    parallelFor(count, parallelWorkers(count), [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t i = begin; i < end; ++i)
            body(static_cast<std::int64_t>(i));
    });
}

} // namespace

SurfaceSamples sampleSurfaceCpu(const SurfaceSpec& spec, std::size_t count, std::span<const float> uvInput,
                                RunContext& context)
{
    auto& recorder = context.recorder();
    SurfaceSamples out;
    out.positions.resize(3 * count);
    out.noiseOffset.resize(count);
    out.height.resize(count);
    std::vector<float> normals(3 * count);

    {
        auto stage = recorder.stage("draw uv");
        if (uvInput.empty()) {
            out.uv.resize(2 * count);
            forEachPoint(count, [&](std::int64_t i) { drawUv(spec.seed, i, &out.uv[2 * i]); });
        } else {
            out.uv.assign(uvInput.begin(), uvInput.end());
        }
    }
    context.throwIfCancelled();
    context.progress(0.25, "mapping to the surface");
    {
        auto stage = recorder.stage("map to surface");
        forEachPoint(count, [&](std::int64_t i) {
            mapToSurface(spec, out.uv[2 * i], out.uv[2 * i + 1], &out.positions[3 * i], &normals[3 * i]);
        });
    }
    context.throwIfCancelled();
    context.progress(0.5, "adding noise");
    {
        auto stage = recorder.stage("add noise");
        forEachPoint(count, [&](std::int64_t i) {
            const float offset = spec.noiseStd * gaussian(spec.seed, i);
            out.noiseOffset[i] = offset;
            for (int k = 0; k < 3; ++k)
                out.positions[3 * i + k] += offset * normals[3 * i + k];
        });
    }
    context.throwIfCancelled();
    context.progress(0.75, "computing attributes");
    {
        auto stage = recorder.stage("attributes");
        forEachPoint(count, [&](std::int64_t i) { out.height[i] = out.positions[3 * i + 2]; });
    }
    return out;
}

} // namespace ls::surface
