#pragma once
// Xavier (Glorot) uniform weights, as torch.nn.init.xavier_uniform_: U(−b, b) with
// b = √(6 / (fan in + fan out)), drawn from the counter RNG, so a (seed, stream) always gives the
// same matrix. Shared by the engines that initialise layers the way their references do.
#include "CounterRng.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace ls::rng {

// A [out, in] matrix, row-major; value i from (seed, i, stream).
inline std::vector<float> xavierUniform(int out, int in, std::uint64_t seed, std::uint32_t stream)
{
    const float bound = std::sqrt(6.0f / static_cast<float>(in + out));
    std::vector<float> weights(static_cast<std::size_t>(out) * in);
    for (std::size_t i = 0; i < weights.size(); ++i)
        weights[i] = (2.0f * uniform(seed, i, stream) - 1.0f) * bound;
    return weights;
}

} // namespace ls::rng
