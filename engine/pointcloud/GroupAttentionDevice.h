#pragma once
// The core of group attention for one query, shared by the CUDA kernel and a host run: softmax of
// the query's scaled dot products with its group's keys, times the values, in one pass with an
// online (running-max) softmax so no score row is stored. Rows are slots [slots, C]; a head is a
// D-wide column slice.
#include "engine/core/HostDevice.h"

#include <math.h> // expf, fmaxf: the same global names on the host and in device code

namespace ls::pointcloud::gpu {

constexpr int kMaxHeadDim = 64;

// `keys`/`values` point at the group's first slot, head slice included; `stride` is C.
LS_HOST_DEVICE void attendQuery(const float* query, const float* keys, const float* values, int groupSize, int headDim, int stride,
                                float scale, float* out)
{
    float accumulator[kMaxHeadDim];
    for (int d = 0; d < headDim; ++d)
        accumulator[d] = 0.0f;
    float runningMax = -INFINITY, runningSum = 0.0f;
    for (int j = 0; j < groupSize; ++j) {
        const float* key = keys + static_cast<long>(j) * stride;
        float score = 0.0f;
        for (int d = 0; d < headDim; ++d)
            score += query[d] * key[d];
        score *= scale;
        const float newMax = fmaxf(runningMax, score);
        const float correction = expf(runningMax - newMax), weight = expf(score - newMax);
        runningSum = runningSum * correction + weight;
        const float* value = values + static_cast<long>(j) * stride;
        for (int d = 0; d < headDim; ++d)
            accumulator[d] = accumulator[d] * correction + weight * value[d];
        runningMax = newMax;
    }
    for (int d = 0; d < headDim; ++d)
        out[d] = accumulator[d] / runningSum;
}

} // namespace ls::pointcloud::gpu
