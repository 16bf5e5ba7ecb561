// FlatFormer's attention against its baselines on the same synthetic LiDAR sweep and weights:
// flattened equal-size groups (sort + group + attention) vs SST-style padded windows vs global
// attention, at about 20k, 50k and 150k points; with a CUDA device, also the attention core on the
// GPU in fp32 and fp16 (kernel time from CUDA events) against its host run. Prints ratios measured
// in this run.
//
// Why the baselines are fair: every side uses the same layer kernels (LayerKernels.h: AVX2+FMA
// where the CPU has them), the same weights and input, fp32, flush-to-zero, and one thread
// (LATENCY_STUDIO_THREADS=1 unless set: global attention runs on one thread). Padded windows
// project their padding and skip their masked keys, which only favours them. The whole 8-layer run
// against NumPy + OpenBLAS, end to end, is tests/bench/flatformer_vs_numpy.py.
#include "BenchRatios.h"
#include "engine/core/Device.h"
#include "engine/core/LatencyRecorder.h"
#include "engine/core/VectorState.h"
#include "engine/pointcloud/FlatFormerLayer.h"
#include "engine/pointcloud/GroupAttentionCuda.h"
#include "engine/pointcloud/LayerKernels.h"
#include "engine/pointcloud/Pillarization.h"
#include "engine/pointcloud/SyntheticLidar.h"
#include "engine/pointcloud/WindowAttention.h"

#include <benchmark/benchmark.h>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace {

using namespace ls::pointcloud;

constexpr int kChannels = 128, kHeads = 8, kGroupSize = 144;
constexpr WindowShape kWindow{13, 13};

struct Scene {
    Pillars pillars;
    std::vector<float> features, pe;
    LayerWeights weights;
};

// Sweeps sized by beams × azimuth steps: ≈ 20k, 50k and 150k returns.
const Scene& scene(int thousands)
{
    static std::map<int, Scene> scenes;
    if (auto found = scenes.find(thousands); found != scenes.end())
        return found->second;
    LidarScanSpec spec;
    spec.beams = thousands <= 20 ? 16 : thousands <= 50 ? 32 : 64;
    spec.azimuthSteps = thousands <= 20 ? 1400 : thousands <= 50 ? 1750 : 2600;
    const LidarScan scan = scanStreetScene(spec);
    Scene s;
    const PillarSpec pillarSpec;
    s.pillars = pillarize(scan.points, 4, pillarSpec);
    s.features = encodePillars(scan.points, 4, s.pillars, pillarSpec, randomEncoderWeight(kChannels, 1));
    s.pe = positionalEncoding(s.pillars.coords, kChannels);
    s.weights = randomLayerWeights(kChannels, kHeads, 7);
    std::printf("scene ~%dk: %zu points, %zu pillars\n", thousands, scan.size(), s.pillars.coords.size());
    return scenes[thousands] = std::move(s);
}

void Flattened(benchmark::State& state)
{
    const Scene& s = scene(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        const auto order = flattenOrderCpu(s.pillars.coords, s.pillars.grid, kWindow, kBlockLayers[0]);
        const auto grouping = groupEqualSize(std::vector<std::int32_t>(order.size(), 0), 1, kGroupSize);
        benchmark::DoNotOptimize(attendGroupsCpu(s.features, s.pe, order, grouping, s.weights));
    }
    state.counters["pillars"] = static_cast<double>(s.pillars.coords.size());
}

void Padded(benchmark::State& state)
{
    const Scene& s = scene(static_cast<int>(state.range(0)));
    PaddedWindowStats stats;
    for (auto _ : state)
        benchmark::DoNotOptimize(attendPaddedWindowsCpu(s.features, s.pe, s.pillars.coords, kWindow, s.weights, &stats));
    state.counters["padded_tokens"] = static_cast<double>(stats.paddedTokens);
}

void Global(benchmark::State& state)
{
    const Scene& s = scene(static_cast<int>(state.range(0)));
    if (s.pillars.coords.size() > kMaxGlobalAttentionTokens) {
        state.SkipWithError("more pillars than global attention is offered for");
        return;
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(attendGloballyCpu(s.features, s.pe, s.weights));
}

// q, k, v of the first x layer's groups, for timing the attention core alone.
const SlotProjections& projections(int thousands)
{
    static std::map<int, SlotProjections> cached;
    if (auto found = cached.find(thousands); found != cached.end())
        return found->second;
    const Scene& s = scene(thousands);
    const auto order = flattenOrderCpu(s.pillars.coords, s.pillars.grid, kWindow, kBlockLayers[0]);
    const auto grouping = groupEqualSize(std::vector<std::int32_t>(order.size(), 0), 1, kGroupSize);
    return cached[thousands] = projectSlots(s.features, s.pe, order, grouping, s.weights);
}

void CoreOnHost(benchmark::State& state)
{
    const SlotProjections& p = projections(static_cast<int>(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(groupAttentionCoreOnHost(p.q, p.k, p.v, kGroupSize, kChannels, kHeads));
}

#if LS_HAS_CUDA
// Kernel time only (CUDA events around the launch), as manual time.
void CoreCuda(benchmark::State& state, AttentionPrecision precision)
{
    const SlotProjections& p = projections(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        ls::LatencyRecorder recorder;
        recorder.beginRepeat(false);
        benchmark::DoNotOptimize(groupAttentionCoreCuda(p.q, p.k, p.v, kGroupSize, kChannels, kHeads, {}, 0, recorder, precision));
        recorder.endRepeat();
        const auto& record = recorder.record();
        double kernelUs = 0;
        for (const auto& path : record.stagePaths())
            if (path.ends_with("attention core"))
                kernelUs += record.stageStats(path).mean;
        state.SetIterationTime(kernelUs / 1e6);
    }
}
#endif

} // namespace

int main(int argc, char** argv)
{
    // Every side runs as engines run (runEngine): flush-to-zero, denormals-are-zero. The padded
    // baseline's masked weights are exactly 0 (WindowAttentionCpu.cpp); before both, its ratio
    // against the flattened path was inflated by denormal arithmetic (10.2× instead of about 1.6×
    // on a nuScenes sweep, issue 19).
    const ls::FlushDenormals flushDenormals;
    setenv("LATENCY_STUDIO_THREADS", "1", 0); // equal threads for every side (see the top)
    std::printf("layer kernels: %s; threads: %s\n", layerKernels().isa, std::getenv("LATENCY_STUDIO_THREADS"));
    for (int k : {20, 50, 150}) {
        benchmark::RegisterBenchmark("Flattened", Flattened)->Arg(k)->Unit(benchmark::kMillisecond)->UseRealTime();
        benchmark::RegisterBenchmark("Padded", Padded)->Arg(k)->Unit(benchmark::kMillisecond)->UseRealTime();
    }
    benchmark::RegisterBenchmark("Global", Global)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();
    const auto cuda = ls::enumerateCudaDevices();
#if LS_HAS_CUDA
    if (!cuda.devices.empty())
        for (int k : {20, 50, 150}) {
            benchmark::RegisterBenchmark("CoreOnHost", CoreOnHost)->Arg(k)->Unit(benchmark::kMillisecond)->UseRealTime();
            benchmark::RegisterBenchmark("CoreCudaFp32", CoreCuda, AttentionPrecision::Fp32)->Arg(k)->Unit(benchmark::kMillisecond)->UseManualTime();
            benchmark::RegisterBenchmark("CoreCudaFp16", CoreCuda, AttentionPrecision::Fp16)->Arg(k)->Unit(benchmark::kMillisecond)->UseManualTime();
        }
#endif
    if (cuda.devices.empty())
        std::printf("attention core on the GPU: not measured (%s)\n", cuda.reason.c_str());
    benchmark::Initialize(&argc, argv);
    ls::bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::printf("\n");
    reporter.printRatios("Flattened", "Padded");
    reporter.printRatios("Flattened", "Global");
    if (!cuda.devices.empty()) {
        reporter.printRatios("CoreCudaFp32", "CoreOnHost");
        reporter.printRatios("CoreCudaFp16", "CoreCudaFp32");
    }
    benchmark::Shutdown();
    return 0;
}
