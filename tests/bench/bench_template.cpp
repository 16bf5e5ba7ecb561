// Template engine benchmark: the counter-based CPU path against a straightforward baseline that
// draws with std::mt19937 and <random> distributions (what one writes first), at three sizes; and
// the CUDA path against the CPU path when a GPU is present. Ratios print at the end.
#include "BenchRatios.h"
#include "engine/SurfaceSampler.h"
#include "engine/SurfaceSamplerEngine.h"
#include "engine/core/EngineRunner.h"

#include <random>

using namespace ls;
using namespace ls::surface;

namespace {

constexpr std::int64_t kSizes[] = {20'000, 200'000, 2'000'000};

// The baseline: same surface and noise model, sequential <random> draws.
std::vector<float> sampleBaseline(const SurfaceSpec& spec, std::size_t count)
{
    std::mt19937 engine(static_cast<std::uint32_t>(spec.seed));
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::normal_distribution<float> normal(0.0f, spec.noiseStd);
    std::vector<float> positions(3 * count);
    for (std::size_t i = 0; i < count; ++i) {
        float normalVector[3];
        const float u = uniform(engine), v = uniform(engine);
        mapToSurface(spec, u, v, &positions[3 * i], normalVector);
        const float offset = normal(engine);
        for (int k = 0; k < 3; ++k)
            positions[3 * i + k] += offset * normalVector[k];
    }
    return positions;
}

void runTemplate(benchmark::State& state, const char* device)
{
    SurfaceSamplerEngine engine;
    RunRequest request;
    request.parameters = defaultValues(engine.parameterSchema());
    request.parameters["pointCount"] = static_cast<std::int64_t>(state.range(0));
    request.warmupRepeats = 0;
    request.device = device;
    if (std::string(device) != "cpu" && enumerateCudaDevices().devices.empty()) {
        state.SkipWithError(("no CUDA device: " + enumerateCudaDevices().reason).c_str());
        return;
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(runEngine(engine, request));
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

void TemplateCpu(benchmark::State& state)
{
    runTemplate(state, "cpu");
}

void TemplateCuda(benchmark::State& state)
{
    runTemplate(state, "cuda:0");
}

void BaselineMt19937(benchmark::State& state)
{
    SurfaceSpec spec;
    spec.minorRadius = 0.35f;
    for (auto _ : state)
        benchmark::DoNotOptimize(sampleBaseline(spec, static_cast<std::size_t>(state.range(0))));
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

} // namespace

int main(int argc, char** argv)
{
    for (auto size : kSizes) {
        benchmark::RegisterBenchmark("TemplateCpu", TemplateCpu)->Arg(size)->Unit(benchmark::kMillisecond)->UseRealTime();
        benchmark::RegisterBenchmark("BaselineMt19937", BaselineMt19937)->Arg(size)->Unit(benchmark::kMillisecond)->UseRealTime();
        benchmark::RegisterBenchmark("TemplateCuda", TemplateCuda)->Arg(size)->Unit(benchmark::kMillisecond)->UseRealTime();
    }
    benchmark::Initialize(&argc, argv);
    ls::bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::printf("\n");
    reporter.printRatios("TemplateCpu", "BaselineMt19937");
    reporter.printRatios("TemplateCuda", "TemplateCpu");
    benchmark::Shutdown();
    return 0;
}
