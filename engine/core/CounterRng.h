#pragma once
// Counter-based random numbers: the value for (seed, index, stream) is a pure function, so the CPU
// path and the CUDA path of an engine draw exactly the same numbers in any order or thread layout.
#include "HostDevice.h"

#include <cstdint>
#include <math.h> // logf, cosf, sqrtf: the same global names on the host and in device code

namespace ls::rng {

// SplitMix64 finaliser: a bijective mix with good avalanche.
LS_HOST_DEVICE std::uint64_t mix64(std::uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Uniform in [0, 1) with 24 random bits (exactly representable as float).
LS_HOST_DEVICE float uniform(std::uint64_t seed, std::uint64_t index, std::uint32_t stream)
{
    const std::uint64_t bits = mix64(seed ^ mix64(index * 0x100000001b3ull + stream));
    return static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);
}

// Standard normal by Box–Muller from two uniforms of the same (seed, index) on paired streams.
LS_HOST_DEVICE float normal(std::uint64_t seed, std::uint64_t index, std::uint32_t stream)
{
    const float u1 = 1.0f - uniform(seed, index, stream);           // (0, 1]: the log stays finite
    const float u2 = uniform(seed, index, stream ^ 0x80000000u);
    return sqrtf(-2.0f * logf(u1)) * cosf(6.28318530717958648f * u2);
}

} // namespace ls::rng
