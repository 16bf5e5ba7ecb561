#include "SignalsCuda.h"
#include "StepSignalsDevice.h"

#include "engine/core/cuda/DeviceBuffer.h"
#include "engine/core/cuda/GpuStageTimer.h"

#include <algorithm>
#include <cstdint>

namespace ls::reasoning {
namespace {

constexpr int kThreads = 128;

__global__ void distributionsKernel(gpu::StepInputs in, gpu::StepDistributions out, gpu::StepSettings settings, std::size_t steps,
                                    float* entropy) // [S]
{
    const std::size_t s = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    if (s < steps)
        gpu::buildStepDistribution(in, out, settings, s, entropy);
}

__global__ void divergenceKernel(gpu::StepDistributions dist, const std::uint8_t* firstOfTrace, // [S]
                                 double scale, std::size_t steps, float* divergence)             // [S]
{
    const std::size_t s = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    if (s < steps)
        gpu::stepDivergence(dist, firstOfTrace, scale, s, divergence);
}

unsigned blocksFor(std::size_t count)
{
    return static_cast<unsigned>((count + kThreads - 1) / kThreads);
}

} // namespace

StepSignalArrays stepSignalsCuda(std::span<const Trace> traces, const SignalSettings& settings, int deviceIndex,
                                 LatencyRecorder& recorder)
{
    LS_CUDA_CHECK(cudaSetDevice(deviceIndex));
    const FlatSteps flat = flattenSteps(traces, settings);
    StepSignalArrays result;
    result.traceStart = flat.traceStart;
    const std::size_t steps = flat.chosen.size();
    result.entropy.resize(steps);
    result.divergence.resize(steps);
    if (steps == 0)
        return result;

    cuda::GpuStageTimer timer;
    const double enqueuedUs = recorder.nowUs();
    timer.begin("upload");
    cuda::DeviceBuffer<std::uint32_t> altToken(std::max<std::size_t>(flat.altToken.size(), 1)), chosen(steps),
        outToken(flat.outStart.back());
    cuda::DeviceBuffer<float> altLogprob(std::max<std::size_t>(flat.altLogprob.size(), 1)), chosenLogprob(steps), entropy(steps),
        divergence(steps);
    cuda::DeviceBuffer<std::uint64_t> altStart(flat.altStart.size()), outStart(flat.outStart.size());
    cuda::DeviceBuffer<double> probability(flat.outStart.back()), logProbability(flat.outStart.back());
    cuda::DeviceBuffer<int> outCount(steps);
    cuda::DeviceBuffer<std::uint8_t> firstOfTrace(steps);
    altToken.upload(std::span<const std::uint32_t>(flat.altToken));
    altLogprob.upload(std::span<const float>(flat.altLogprob));
    altStart.upload(std::span<const std::uint64_t>(flat.altStart));
    chosen.upload(std::span<const std::uint32_t>(flat.chosen));
    chosenLogprob.upload(std::span<const float>(flat.chosenLogprob));
    outStart.upload(std::span<const std::uint64_t>(flat.outStart));
    firstOfTrace.upload(std::span<const std::uint8_t>(flat.firstOfTrace));
    timer.end();

    const gpu::StepInputs inputs{altToken.data(), altLogprob.data(), altStart.data(), chosen.data(), chosenLogprob.data()};
    const gpu::StepDistributions distributions{outToken.data(), probability.data(), logProbability.data(), outStart.data(),
                                               outCount.data()};
    const gpu::StepSettings stepSettings = gpu::stepSettingsOf(settings);
    timer.begin("distributions");
    distributionsKernel<<<blocksFor(steps), kThreads>>>(inputs, distributions, stepSettings, steps, entropy.data());
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();
    timer.begin("divergence");
    divergenceKernel<<<blocksFor(steps), kThreads>>>(distributions, firstOfTrace.data(), stepSettings.scale, steps,
                                                     divergence.data());
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();
    timer.begin("download");
    entropy.download(std::span<float>(result.entropy));
    divergence.download(std::span<float>(result.divergence));
    timer.end();
    timer.commit(recorder, enqueuedUs);
    return result;
}

} // namespace ls::reasoning
