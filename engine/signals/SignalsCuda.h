#pragma once
// The per-step signals as the GPU computes them: entropy H_t and shift D_t of every step of every
// trace — the same function as the per-step part of computeSignals(), whose CPU code is the
// reference. Steps of all traces are flattened (CSR) so that one thread owns one step: a first
// kernel builds each step's renormalised top-k distribution and its entropy, a second the JSD
// against the previous step of the same trace (StepSignalsDevice.h holds both bodies).
#include "Signals.h"
#include "engine/core/LatencyRecorder.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ls::reasoning {

// At most this many alternatives per step on the GPU (OpenAI returns ≤ 20); more → ArgumentError.
constexpr int kMaxGpuAlternatives = 64;

// All steps of a trace set, flattened for the GPU.
struct FlatSteps {
    std::vector<std::uint32_t> altToken;   // [A] every step's alternatives, in order
    std::vector<float> altLogprob;         // [A]
    std::vector<std::uint64_t> altStart;   // [S + 1] step s: [altStart[s], altStart[s+1])
    std::vector<std::uint32_t> chosen;     // [S] the chosen token (the distribution of a step without alternatives)
    std::vector<float> chosenLogprob;      // [S]
    std::vector<std::uint8_t> firstOfTrace; // [S] 1 where D_t = 0
    std::vector<std::uint64_t> outStart;   // [S + 1] room for each step's outcomes (+1 for the tail bucket)
    std::vector<std::size_t> traceStart;   // [traces + 1]
};
FlatSteps flattenSteps(std::span<const Trace> traces, const SignalSettings& settings);

struct StepSignalArrays {
    std::vector<float> entropy;          // [S], in the settings' log base
    std::vector<float> divergence;       // [S]; 0 at the first step of each trace
    std::vector<std::size_t> traceStart; // [traces + 1]: trace i's steps are [traceStart[i], traceStart[i+1])
};

// The kernels' bodies run one step at a time on the host: what the GPU computes, checkable anywhere.
StepSignalArrays stepSignalsOnHost(std::span<const Trace> traces, const SignalSettings& settings);

// On the GPU (built with CUDA only). Stages "upload", "distributions", "divergence", "download"
// go to `recorder` on the GPU lane.
StepSignalArrays stepSignalsCuda(std::span<const Trace> traces, const SignalSettings& settings, int deviceIndex,
                                 LatencyRecorder& recorder);

} // namespace ls::reasoning
