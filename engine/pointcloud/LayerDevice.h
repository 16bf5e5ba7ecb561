#pragma once
// The element-wise parts of a FlatFormer layer as the GPU computes them, shared by the CUDA
// kernels (FlatFormerStackCuda.cu) and a host run, so the tests check them on every machine:
// LayerNorm of one row (fp32 sums, PyTorch's ε) and the exact (erf) GELU.
#include "engine/core/HostDevice.h"
#include "engine/core/LayerNormEpsilon.h"

#include <math.h> // erff, sqrtf: the same global names on the host and in device code

namespace ls::pointcloud::gpu {

using ls::kLayerNormEpsilon; // PyTorch's default

LS_HOST_DEVICE void layerNormRow(float* row, int channels, const float* scale, const float* bias)
{
    float mean = 0.0f, variance = 0.0f;
    for (int c = 0; c < channels; ++c)
        mean += row[c];
    mean /= static_cast<float>(channels);
    for (int c = 0; c < channels; ++c)
        variance += (row[c] - mean) * (row[c] - mean);
    variance /= static_cast<float>(channels);
    const float inverse = 1.0f / sqrtf(variance + kLayerNormEpsilon);
    for (int c = 0; c < channels; ++c)
        row[c] = (row[c] - mean) * inverse * scale[c] + bias[c];
}

LS_HOST_DEVICE float geluOf(float x)
{
    return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

} // namespace ls::pointcloud::gpu
