#pragma once
// The splats of one tile's list copied into contiguous arrays before its pixels are composited
// (the CPU's counterpart of the CUDA kernels' shared-memory batches): every pixel of the tile then
// reads them in order instead of gathering from the whole field's arrays by Gaussian id. The same
// values in the same order, so the composite is unchanged to the bit.
#include "SplatRenderer.h"

#include <cstdint>
#include <vector>

namespace ls::rf {

template <class Power> struct TileSplats {
    std::vector<float> u, v, a, b, c, opacity;
    std::vector<Power> minPower;
    std::vector<const float*> emission; // each splat's [outputs] channels in the render state
    std::vector<std::uint32_t> ids;     // Gaussian ids (for the backward's gradients)
    std::vector<float> columnReach, rowReach; // stageReach: how far from its centre the splat can be kept

    void stage(const RenderState& state, const std::vector<Power>& minPowerOf, std::uint32_t begin, std::uint32_t end, int outputs)
    {
        const std::size_t count = end - begin;
        for (auto* array : {&u, &v, &a, &b, &c, &opacity})
            array->resize(count);
        minPower.resize(count);
        emission.resize(count);
        ids.resize(count);
        for (std::size_t j = 0; j < count; ++j) {
            const std::uint32_t g = state.bins.gaussianIds[begin + j];
            ids[j] = g;
            u[j] = state.u[g];
            v[j] = state.v[g];
            a[j] = state.conic[g * 3];
            b[j] = state.conic[g * 3 + 1];
            c[j] = state.conic[g * 3 + 2];
            opacity[j] = state.opacity[g];
            minPower[j] = minPowerOf[g];
            emission[j] = state.emission.data() + static_cast<std::size_t>(g) * outputs;
        }
    }

    // After stage: each splat's reach [N, 2] (columns, rows; CompositeLanes.h's splatCuts).
    void stageReach(const std::vector<float>& reachOf)
    {
        columnReach.resize(ids.size());
        rowReach.resize(ids.size());
        for (std::size_t j = 0; j < ids.size(); ++j) {
            columnReach[j] = reachOf[ids[j] * 2];
            rowReach[j] = reachOf[ids[j] * 2 + 1];
        }
    }
};

} // namespace ls::rf
