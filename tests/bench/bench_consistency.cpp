// Sampling latency of the latent consistency engine: 1- and 2-step consistency sampling against
// 50-step Euler on the same denoiser architecture (the engine's defaults: d = 16, width 256, 3
// residual blocks), for batches of 1, 64 and 1024, plus decoding through the autoencoder. The
// network's weights do not change its cost, so untrained (seeded) weights are timed; the quality
// side of the trade is in the engine's own table (docs/latent-consistency.md). Also one consistency
// training iteration (the full recipe: teacher and student passes, loss, backward, Adam) at batch
// 128 and 512, on the CPU and, with a GPU, on it (DenoiserTrainingCuda.h).
#include "BenchRatios.h"
#include "engine/consistency/Autoencoder.h"
#include "engine/consistency/Denoiser.h"
#include "engine/consistency/Sampling.h"
#include "engine/consistency/Training.h"
#include "engine/core/Device.h"
#if LS_HAS_CUDA
#include "engine/consistency/DenoiserCuda.h"
#endif

#include <benchmark/benchmark.h>
#include <functional>
#include <vector>

using namespace ls::consistency;

namespace {

DenoiserSpec defaultSpec()
{
    DenoiserSpec spec;
    spec.latent = 16;
    spec.hidden = 256;
    spec.blocks = 3;
    spec.seed = 5;
    return spec;
}

void timeSampler(benchmark::State& state, Parameterisation parameterisation, const std::function<Matrix(Denoiser&, int, std::uint64_t)>& sample)
{
    Denoiser model(defaultSpec(), parameterisation);
    const int batch = static_cast<int>(state.range(0));
    std::uint64_t seed = 1;
    for (auto _ : state)
        benchmark::DoNotOptimize(sample(model, batch, seed++));
    state.SetItemsProcessed(state.iterations() * batch); // samples per second
}

void OneStep(benchmark::State& state)
{
    timeSampler(state, Parameterisation::Consistency, [](Denoiser& m, int n, std::uint64_t s) { return sampleConsistency(m, n, {}, s); });
}

void TwoStep(benchmark::State& state)
{
    timeSampler(state, Parameterisation::Consistency, [](Denoiser& m, int n, std::uint64_t s) { return sampleConsistency(m, n, {0.8}, s); });
}

void Euler50(benchmark::State& state)
{
    timeSampler(state, Parameterisation::Diffusion, [](Denoiser& m, int n, std::uint64_t s) { return sampleDiffusion(m, n, 50, false, s); });
}

void Decode(benchmark::State& state)
{
    AutoencoderSpec spec;
    spec.latent = 16;
    Autoencoder autoencoder(spec);
    const int batch = static_cast<int>(state.range(0));
    const Matrix latents = Matrix::Random(batch, spec.latent);
    for (auto _ : state)
        benchmark::DoNotOptimize(autoencoder.decode(latents));
    state.SetItemsProcessed(state.iterations() * batch);
}

// cudaDevice < 0: the CPU. Latents drawn once (σ_data = 0.5); each iteration draws its own noise.
void timeTrainingStep(benchmark::State& state, int cudaDevice)
{
    Denoiser model(defaultSpec(), Parameterisation::Consistency);
    ConsistencyTrainer trainer(model, ConsistencyRecipe{}, 1000000, 1e-3f, 7, cudaDevice);
    const Matrix latents = normalNoise(state.range(0), defaultSpec().latent, 3, 0) * 0.5f;
    for (auto _ : state)
        benchmark::DoNotOptimize(trainer.step(latents).loss);
    state.SetItemsProcessed(state.iterations()); // iterations per second
}

void TrainingStep(benchmark::State& state)
{
    timeTrainingStep(state, -1);
}

#if LS_HAS_CUDA
// The same samplers on the GPU (DenoiserCuda.h), weights uploaded once; each call ends with the
// download of the samples, so the wall time is the whole sampling.
void timeGpuSampler(benchmark::State& state, Parameterisation parameterisation,
                    const std::function<Matrix(DenoiserCuda&, int, std::uint64_t)>& sample, int device)
{
    Denoiser model(defaultSpec(), parameterisation);
    DenoiserCuda gpu(model, device);
    const int batch = static_cast<int>(state.range(0));
    std::uint64_t seed = 1;
    for (auto _ : state)
        benchmark::DoNotOptimize(sample(gpu, batch, seed++));
    state.SetItemsProcessed(state.iterations() * batch);
}
#endif

} // namespace

int main(int argc, char** argv)
{
    std::vector<benchmark::internal::Benchmark*> benches{benchmark::RegisterBenchmark("OneStep", OneStep),
                                                         benchmark::RegisterBenchmark("TwoStep", TwoStep),
                                                         benchmark::RegisterBenchmark("Euler50", Euler50),
                                                         benchmark::RegisterBenchmark("Decode", Decode)};
    const auto cuda = ls::enumerateCudaDevices();
#if LS_HAS_CUDA
    if (!cuda.devices.empty()) {
        const int device = cuda.devices.front().index;
        benches.push_back(benchmark::RegisterBenchmark("GpuOneStep", [device](benchmark::State& state) {
            timeGpuSampler(state, Parameterisation::Consistency, [](DenoiserCuda& g, int n, std::uint64_t s) { return g.sampleConsistency(n, {}, s); }, device);
        }));
        benches.push_back(benchmark::RegisterBenchmark("GpuTwoStep", [device](benchmark::State& state) {
            timeGpuSampler(state, Parameterisation::Consistency, [](DenoiserCuda& g, int n, std::uint64_t s) { return g.sampleConsistency(n, {0.8}, s); }, device);
        }));
        benches.push_back(benchmark::RegisterBenchmark("GpuEuler50", [device](benchmark::State& state) {
            timeGpuSampler(state, Parameterisation::Diffusion, [](DenoiserCuda& g, int n, std::uint64_t s) { return g.sampleDiffusion(n, 50, false, s); }, device);
        }));
    }
#endif
    for (auto* bench : benches)
        bench->Arg(1)->Arg(64)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();
    std::vector<benchmark::internal::Benchmark*> training{benchmark::RegisterBenchmark("TrainingStep", TrainingStep)};
#if LS_HAS_CUDA
    if (!cuda.devices.empty()) {
        const int device = cuda.devices.front().index;
        training.push_back(benchmark::RegisterBenchmark("GpuTrainingStep", [device](benchmark::State& state) { timeTrainingStep(state, device); }));
    }
#endif
    for (auto* bench : training)
        bench->Arg(128)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::Initialize(&argc, argv);
    ls::bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::printf("\n");
    reporter.printRatios("OneStep", "Euler50");
    reporter.printRatios("TwoStep", "Euler50");
    if (cuda.devices.empty() || !LS_HAS_CUDA) {
        std::printf("(no GPU benchmarks: %s)\n", LS_HAS_CUDA ? cuda.reason.c_str() : "this build has no CUDA path");
    } else {
        reporter.printRatios("GpuOneStep", "GpuEuler50");
        reporter.printRatios("GpuTwoStep", "GpuEuler50");
        reporter.printRatios("GpuOneStep", "OneStep"); // the GPU against the CPU path
        reporter.printRatios("GpuEuler50", "Euler50");
        reporter.printRatios("GpuTrainingStep", "TrainingStep");
    }
    benchmark::Shutdown();
    return 0;
}
