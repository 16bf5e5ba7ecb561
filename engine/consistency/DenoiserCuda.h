#pragma once
// Sampling on a GPU: the denoiser's forward pass with cuBLAS GEMMs and small kernels for the
// element-wise parts (scalings, non-scaling LayerNorm, SiLU, the sampler updates), and the
// samplers of Sampling.h on top. The same definitions and the same noise (CounterRng streams) as
// the CPU path, so samples agree to rounding (bounds in tst_consistency). Unconditional models
// only; training stays on the CPU. Built with CUDA only (LS_HAS_CUDA).
#include "Denoiser.h"
#include "engine/core/LatencyRecorder.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace ls::consistency {

class DenoiserCuda {
public:
    // Uploads the model's parameters to device `deviceIndex` (once: sampling then reuses them).
    DenoiserCuda(Denoiser& model, int deviceIndex);
    ~DenoiserCuda();
    DenoiserCuda(const DenoiserCuda&) = delete;
    DenoiserCuda& operator=(const DenoiserCuda&) = delete;

    // As sampleConsistency / sampleDiffusion (Sampling.h); the result is downloaded. With a
    // recorder, the GPU work lands on its "gpu" lane as stages "noise", "denoiser" and "update".
    Matrix sampleConsistency(int count, const std::vector<double>& taus, std::uint64_t seed, LatencyRecorder* recorder = nullptr);
    Matrix sampleDiffusion(int count, int steps, bool heun, std::uint64_t seed, LatencyRecorder* recorder = nullptr);

private:
    struct Device;
    std::unique_ptr<Device> device_;
};

} // namespace ls::consistency
