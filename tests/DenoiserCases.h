#pragma once
// A random denoiser shape for the latent consistency suites and the GPU checks, Qt-free.
#include "TestRandom.h"

#include "engine/consistency/Denoiser.h"

namespace ls::test {

inline consistency::DenoiserSpec randomDenoiserSpec(int maxHidden = 300, int maxBlocks = 4)
{
    consistency::DenoiserSpec spec;
    spec.latent = static_cast<int>(uniformInt(4, 32));
    spec.hidden = static_cast<int>(uniformInt(32, maxHidden));
    spec.blocks = static_cast<int>(uniformInt(1, maxBlocks));
    spec.seed = static_cast<std::uint64_t>(uniformInt(0, 99999));
    return spec;
}

} // namespace ls::test
