#pragma once
// The core of group attention for one query, shared by the CUDA kernel and a host run: softmax of
// the query's scaled dot products with its group's keys, times the values, in one pass with an
// online (running-max) softmax so no score row is stored. Rows are slots [slots, C]; a head is a
// D-wide column slice.
#include "engine/core/HostDevice.h"

#include <math.h> // expf, fmaxf: the same global names on the host and in device code
#include <stdint.h>
#include <string.h>

namespace ls::pointcloud::gpu {

constexpr int kMaxHeadDim = 64;

// An fp16 value as its IEEE bits. The fp16 path rounds on the host (floatToHalf, round to nearest
// even) and the kernel only widens, so a host run reads exactly the numbers the GPU reads.
struct HalfBits {
    uint16_t bits;
};

LS_HOST_DEVICE float widen(float value)
{
    return value;
}

LS_HOST_DEVICE float widen(HalfBits half)
{
    const uint32_t sign = (half.bits & 0x8000u) << 16, exponent = (half.bits >> 10) & 0x1fu, mantissa = half.bits & 0x3ffu;
    if (exponent == 0) { // zero or subnormal: mantissa · 2^-24, exact in float
        const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
        return sign ? -magnitude : magnitude;
    }
    const uint32_t bits = sign | (exponent == 0x1f ? 0x7f800000u : (exponent + 112u) << 23) | (mantissa << 13);
#ifdef __CUDA_ARCH__
    return __uint_as_float(bits);
#else
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
#endif
}

// `keys`/`values` point at the group's first slot, head slice included; `stride` is C; the query
// attends to the first `keyCount` slots (the group size, or a small sample's real tokens). Storage
// is float or HalfBits; scores, the softmax and the weighted sum are always accumulated in fp32.
template <class Storage>
LS_HOST_DEVICE void attendQuery(const Storage* query, const Storage* keys, const Storage* values, int keyCount, int headDim,
                                int stride, float scale, float* out)
{
    float accumulator[kMaxHeadDim];
    for (int d = 0; d < headDim; ++d)
        accumulator[d] = 0.0f;
    float runningMax = -INFINITY, runningSum = 0.0f;
    for (int j = 0; j < keyCount; ++j) {
        const Storage* key = keys + static_cast<long>(j) * stride;
        float score = 0.0f;
        for (int d = 0; d < headDim; ++d)
            score += widen(query[d]) * widen(key[d]);
        score *= scale;
        const float newMax = fmaxf(runningMax, score);
        const float correction = expf(runningMax - newMax), weight = expf(score - newMax);
        runningSum = runningSum * correction + weight;
        const Storage* value = values + static_cast<long>(j) * stride;
        for (int d = 0; d < headDim; ++d)
            accumulator[d] = accumulator[d] * correction + weight * widen(value[d]);
        runningMax = newMax;
    }
    for (int d = 0; d < headDim; ++d)
        out[d] = accumulator[d] / runningSum;
}

// Keys group `group` attends to: all its slots unless `groupKeys` (may be null) says fewer.
LS_HOST_DEVICE int keysOfGroup(const int32_t* groupKeys, long group, int groupSize)
{
    return groupKeys ? groupKeys[group] : groupSize;
}

} // namespace ls::pointcloud::gpu
