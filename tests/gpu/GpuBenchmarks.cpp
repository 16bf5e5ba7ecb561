// The GPU benchmarks named in issue 21: GSpaRC render at 17k Gaussians and 1/8/32 frequencies, a
// FlatFormer layer, instability signals over 1M tokens, and consistency 1/2-step against 50-step
// Euler sampling. GPU calls are timed end to end (upload of inputs excluded, download of results
// included) with CUDA events on the default stream; kernel-only stage sums come from the engines'
// own CUDA-event stage timers where they have them. The CPU twin runs the same input with all
// cores (parallelFor; LATENCY_STUDIO_THREADS caps them), which is what the studio's CPU path uses.
#include "GpuBenchmarks.h"
#include "DenoiserCases.h"
#include "FlatFormerCases.h"
#include "GsparcScenes.h"
#include "SignalCases.h"

#include "engine/consistency/DenoiserCuda.h"
#include "engine/consistency/Sampling.h"
#include "engine/core/LatencyRecorder.h"
#include "engine/core/ParallelFor.h"
#include "engine/core/Statistics.h"
#include "engine/pointcloud/FlatFormerStackCuda.h"
#include "engine/rf/SplatRendererCuda.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace ls::test {

namespace {

nlohmann::json summary(std::vector<double> ms)
{
    const SampleStats stats = computeStats(std::move(ms));
    return {{"median", stats.median}, {"min", stats.min}, {"p90", stats.p90}, {"repeats", stats.count}};
}

void check(cudaError_t status, const char* what)
{
    if (status != cudaSuccess)
        throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

// Milliseconds of each call between CUDA events recorded on the default stream before and after
// it (the calls return with their results on the host, so this is the call end to end).
template <class Call> std::vector<double> timeOnGpu(Call&& call, int repeats)
{
    call(); // warm-up: first-touch allocations, cuBLAS handles, module loading
    cudaEvent_t start, stop;
    check(cudaEventCreate(&start), "cudaEventCreate");
    check(cudaEventCreate(&stop), "cudaEventCreate");
    std::vector<double> ms;
    for (int r = 0; r < repeats; ++r) {
        check(cudaEventRecord(start, 0), "cudaEventRecord");
        call();
        check(cudaEventRecord(stop, 0), "cudaEventRecord");
        check(cudaEventSynchronize(stop), "cudaEventSynchronize");
        float elapsed = 0;
        check(cudaEventElapsedTime(&elapsed, start, stop), "cudaEventElapsedTime");
        ms.push_back(elapsed);
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return ms;
}

template <class Call> std::vector<double> timeOnCpu(Call&& call, int repeats)
{
    call();
    std::vector<double> ms;
    for (int r = 0; r < repeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        call();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    return ms;
}

// Sum of the GPU-lane stages of each repeat (kernel time by CUDA events), in ms.
std::vector<double> gpuStageTotals(const LatencyRecord& record)
{
    std::vector<double> totals;
    for (const StageSample& sample : record.samples)
        if (sample.lane == "gpu" && sample.depth == 0) {
            if (totals.size() <= static_cast<std::size_t>(sample.repeat))
                totals.resize(sample.repeat + 1, 0.0);
            totals[sample.repeat] += sample.durationUs / 1000;
        }
    return totals;
}

nlohmann::json sideBySide(std::vector<double> gpu, std::vector<double> cpu)
{
    nlohmann::json out{{"gpu_ms", summary(gpu)}, {"cpu_ms", summary(cpu)}};
    out["speedup"] = out["cpu_ms"]["median"].get<double>() / std::max(out["gpu_ms"]["median"].get<double>(), 1e-9);
    return out;
}

nlohmann::json benchRfRender(int device, bool quick)
{
    nlohmann::json rows = nlohmann::json::array();
    const rf::ReceiverPose receiver = randomReceiver();
    rf::SplatRendererCuda gpu(device);
    for (const int frequencies : {1, 8, 32}) {
        const int gaussians = 17000;
        const rf::GaussianField field = randomField(receiver, gaussians, frequencies, 32, 0.12f);
        const rf::RenderSettings settings{{360, 90}};
        const auto position = randomPosition();
        gpu.upload(field);
        LatencyRecorder recorder;
        int repeat = 0;
        auto onGpu = [&] {
            recorder.beginRepeat(repeat++ == 0);
            gpu.render(receiver, position, settings, &recorder);
            recorder.endRepeat();
        };
        auto row = sideBySide(timeOnGpu(onGpu, quick ? 3 : 50),
                              timeOnCpu([&] { rf::renderCpu(field, receiver, position, settings); }, quick ? 1 : 5));
        row["kernel_stages_ms"] = summary(gpuStageTotals(recorder.record()));
        row["gaussians"] = gaussians;
        row["frequencies"] = frequencies;
        row["map"] = "360x90";
        rows.push_back(row);
    }
    return {{"rows", rows},
            {"note", "random 17k-Gaussian fields (0.12 m scale, 32-wide emission MLPs) in the receiver's hemisphere; gpu_ms: render() "
                     "end to end including the download of the spectrum; kernel_stages_ms: project+bin+sort+composite by CUDA events"}};
}

nlohmann::json benchFlatFormerLayer(int device, bool quick)
{
    const PillarCoords pillars = randomPillars(1, 200, 200, 0.5f); // ~20k pillars, a street scan's order
    const int channels = 128, heads = 8, groupSize = 69;           // FlatFormer's defaults
    const auto order = flattenOrderCpu(pillars, {200, 200}, {13, 13}, kBlockLayers[0]);
    const Grouping grouping = groupEqualSize(std::vector<std::int32_t>(order.size(), 0), 1, groupSize);
    const LayerWeights weights = randomWeights(channels, heads);
    const std::vector<float> features = randomFloats(pillars.size() * channels, -1, 1), pe = positionalEncoding(pillars, channels);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto precision : {AttentionPrecision::Fp32, AttentionPrecision::Fp16}) {
        FlatFormerStackCuda stack(device, features, pe, channels);
        LatencyRecorder recorder;
        auto onGpu = [&] {
            stack.attend(order, grouping, weights, precision, recorder);
            stack.scatter(recorder);
            stack.feedForward(weights, recorder);
            check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
        };
        auto row = sideBySide(timeOnGpu(onGpu, quick ? 3 : 30), timeOnCpu([&] {
                                  std::vector<float> x = features;
                                  flatFormerLayerCpu(x, pe, order, grouping, weights);
                              }, quick ? 1 : 5));
        row["precision"] = precision == AttentionPrecision::Fp32 ? "fp32" : "fp16 core";
        rows.push_back(row);
    }
    return {{"rows", rows},
            {"pillars", pillars.size()},
            {"note", "one layer (attention, scatter, feed-forward) on the device-resident features; C=128, 8 heads, groups of 69"}};
}

nlohmann::json benchSignals(int device, bool quick)
{
    using namespace ls::reasoning;
    // 1M tokens: 250 traces of 4,000 steps, 20 alternatives each, ids over a 60,000-token vocabulary
    // (a real model's size, not a toy one that would make the CPU's lookups cheap).
    std::vector<Trace> traces(quick ? 25 : 250);
    for (auto& trace : traces)
        for (int t = 0; t < 4000; ++t) {
            Step step{static_cast<TokenId>(uniformInt(0, 60000)), -uniform(0.0f, 5.0f), {}};
            for (int i = 0; i < 20; ++i)
                step.top.push_back({static_cast<TokenId>(uniformInt(0, 60000)), -uniform(0.0f, 8.0f)});
            trace.steps.push_back(std::move(step));
        }
    const SignalSettings settings;
    LatencyRecorder recorder;
    auto onGpu = [&] { stepSignalsCuda(traces, settings, device, recorder); };
    auto onCpu = [&] {
        std::vector<TraceSignals> signals(traces.size());
        parallelFor(traces.size(), parallelWorkers(traces.size()), [&](std::size_t begin, std::size_t end, int) {
            for (std::size_t i = begin; i < end; ++i)
                signals[i] = computeSignals(traces[i], settings);
        });
    };
    auto row = sideBySide(timeOnGpu(onGpu, quick ? 2 : 10), timeOnCpu(onCpu, quick ? 1 : 3));
    row["tokens"] = traces.size() * 4000;
    row["note"] = "gpu: per-step entropy and divergence of every trace, end to end (upload, kernels, download); cpu: computeSignals per "
                  "trace, traces spread over all cores";
    return row;
}

nlohmann::json benchConsistency(int device, bool quick)
{
    using namespace ls::consistency;
    DenoiserSpec spec;
    spec.latent = 16;
    spec.hidden = 256;
    spec.blocks = 4;
    spec.seed = 7;
    Denoiser consistency(spec, Parameterisation::Consistency), diffusion(spec, Parameterisation::Diffusion);
    DenoiserCuda consistencyGpu(consistency, device), diffusionGpu(diffusion, device);
    const int count = 1000;
    const int repeats = quick ? 2 : 20, cpuRepeats = quick ? 1 : 3;
    nlohmann::json rows = nlohmann::json::array();
    auto add = [&](const char* sampler, auto&& gpuCall, auto&& cpuCall) {
        auto row = sideBySide(timeOnGpu(gpuCall, repeats), timeOnCpu(cpuCall, cpuRepeats));
        row["sampler"] = sampler;
        rows.push_back(row);
    };
    add("consistency, 1 step", [&] { consistencyGpu.sampleConsistency(count, {}, 1); }, [&] { sampleConsistency(consistency, count, {}, 1); });
    add("consistency, 2 steps", [&] { consistencyGpu.sampleConsistency(count, {0.8}, 1); }, [&] { sampleConsistency(consistency, count, {0.8}, 1); });
    add("Euler, 50 steps", [&] { diffusionGpu.sampleDiffusion(count, 50, false, 1); }, [&] { sampleDiffusion(diffusion, count, 50, false, 1); });
    return {{"rows", rows}, {"note", "1,000 latents of 16 values, denoiser 4 residual blocks of 256; results downloaded"}};
}

} // namespace

const std::vector<GpuBenchmark>& gpuBenchmarks()
{
    static const std::vector<GpuBenchmark> benchmarks{
        {"rf.render", "GSpaRC spectrum render, 17k Gaussians, 1/8/32 frequencies, 360x90", benchRfRender},
        {"pointcloud.layer", "FlatFormer layer on ~20k pillars, fp32 and fp16 core", benchFlatFormerLayer},
        {"signals.steps", "instability signals over 1M tokens", benchSignals},
        {"consistency.sampling", "1- and 2-step consistency against 50-step Euler, 1,000 samples", benchConsistency},
    };
    return benchmarks;
}

} // namespace ls::test
