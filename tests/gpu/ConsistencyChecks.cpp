// The latent consistency GPU paths against the CPU: consistency, Euler and Heun sampling, and
// training (forward, every gradient, an Adam step, recipe steps) (moved here from
// tst_consistency_sampling).
#include "DenoiserCases.h"
#include "GpuCheckList.h"

#include "engine/consistency/Adam.h"
#include "engine/consistency/DenoiserBackend.h"
#include "engine/consistency/DenoiserCuda.h"
#include "engine/consistency/DenoiserTrainingCuda.h"
#include "engine/consistency/Sampling.h"
#include "engine/consistency/Training.h"
#include "engine/core/LatencyRecorder.h"

#include <algorithm>
#include <cmath>

namespace ls::test {

using namespace ls::consistency;

namespace {
double relative(const Matrix& got, const Matrix& want)
{
    if (got.rows() != want.rows() || got.cols() != want.cols())
        return INFINITY;
    return (got - want).norm() / std::max(want.norm(), 1e-12f);
}
} // namespace

// Bounds (relative, norm-wise over the batch): consistency (1–3 evaluations) 1e-4; 20-step Euler
// and Heun 1e-3, as rounding differences of the GEMMs compound over the steps.
void checkSamplers(const GpuCheckContext& context, CheckOutcome& outcome)
{
    const DenoiserSpec spec = context.small ? randomDenoiserSpec(64, 2) : randomDenoiserSpec();
    Denoiser consistency(spec, Parameterisation::Consistency), diffusion(spec, Parameterisation::Diffusion);
    const int count = static_cast<int>(uniformInt(1, context.small ? 40 : 700));
    const auto seed = static_cast<std::uint64_t>(uniformInt(0, 99999));
    DenoiserCuda consistencyGpu(consistency, context.device), diffusionGpu(diffusion, context.device);
    LatencyRecorder recorder;
    for (const std::vector<double>& taus : std::vector<std::vector<double>>{{}, {0.8}, {17.5, 2.5, 0.17}})
        outcome.within("consistency, " + std::to_string(taus.size() + 1) + " steps, relative error",
                       relative(consistencyGpu.sampleConsistency(count, taus, seed, &recorder), sampleConsistency(consistency, count, taus, seed)), 1e-4);
    const int steps = context.small ? 4 : 20;
    for (const bool heun : {false, true})
        outcome.within(std::string(heun ? "Heun" : "Euler") + ", " + std::to_string(steps) + " steps, relative error",
                       relative(diffusionGpu.sampleDiffusion(count, steps, heun, seed), sampleDiffusion(diffusion, count, steps, heun, seed)), 1e-3);
    const auto stages = recorder.record().stagePaths();
    outcome.require(std::find(stages.begin(), stages.end(), "denoiser") != stages.end(), "no \"denoiser\" stage timed by CUDA events");
}

// Bounds (relative, norm-wise): forward 1e-4; each parameter's gradient 1e-3 (sums in another
// order); weights after an Adam step 2e-3 (its first step is ≈ rate·sign(g), so the sign of a
// near-zero gradient can differ; a wrong gradient moves them ~2e-2); then consistency training
// steps of the full recipe: each step's loss within 1 %.
void checkDenoiserTraining(const GpuCheckContext& context, CheckOutcome& outcome)
{
    const DenoiserSpec spec = context.small ? randomDenoiserSpec(64, 2) : randomDenoiserSpec();
    const int rows = static_cast<int>(uniformInt(2, context.small ? 40 : 300));
    const auto seed = static_cast<std::uint64_t>(uniformInt(0, 99999));
    const Matrix x = normalNoise(rows, spec.latent, seed, 0) * 0.5f;
    const Matrix dOutput = normalNoise(rows, spec.latent, seed, 1);
    std::vector<double> sigmas(static_cast<std::size_t>(rows));
    for (auto& sigma : sigmas)
        sigma = std::exp(uniform(std::log(0.002), std::log(80.0)));

    Denoiser onCpu(spec, Parameterisation::Consistency), onGpu(spec, Parameterisation::Consistency);
    Adam cpuAdam(onCpu.parameters(), 1e-3f, 0.9f, 0.995f), gpuAdam(onGpu.parameters(), 1e-3f, 0.9f, 0.995f);
    const auto cpu = makeDenoiserBackend(onCpu, cpuAdam, -1);
    DenoiserTrainingCuda gpu(onGpu, gpuAdam, context.device);
    outcome.within("forward, relative error", relative(gpu.forward(x, sigmas, {}), cpu->forward(x, sigmas, {})), 1e-4);
    cpu->gradients(dOutput);
    gpu.gradients(dOutput);
    const auto gpuGradients = gpu.downloadGradients();
    const auto cpuParameters = onCpu.parameters(), gpuParameters = onGpu.parameters();
    if (!outcome.require(gpuGradients.size() == cpuParameters.size(), "gradient counts differ"))
        return;
    for (std::size_t i = 0; i < cpuParameters.size(); ++i)
        outcome.within(cpuParameters[i]->name + " gradient, relative error", relative(gpuGradients[i], cpuParameters[i]->grad), 1e-3);
    cpu->step();
    gpu.step();
    gpu.synchronise(true);
    outcome.require(gpuAdam.steps() == 1, "the GPU Adam counted " + std::to_string(gpuAdam.steps()) + " steps, not 1");
    for (std::size_t i = 0; i < cpuParameters.size(); ++i)
        outcome.within(cpuParameters[i]->name + " after a step, relative error", relative(gpuParameters[i]->value, cpuParameters[i]->value), 2e-3);

    Denoiser cpuModel(spec, Parameterisation::Consistency), gpuModel(spec, Parameterisation::Consistency);
    ConsistencyRecipe recipe;
    recipe.otCoupling = uniformInt(0, 1) == 1;
    ConsistencyTrainer cpuTrainer(cpuModel, recipe, 100, 1e-3f, seed), gpuTrainer(gpuModel, recipe, 100, 1e-3f, seed, context.device);
    const Matrix latents = normalNoise(rows, spec.latent, seed, 2) * 0.5f;
    const int steps = context.small ? 2 : 5;
    for (int step = 0; step < steps; ++step) {
        const double want = cpuTrainer.step(latents).loss, got = gpuTrainer.step(latents).loss;
        outcome.within("recipe step " + std::to_string(step) + " loss, |gpu - cpu| / |cpu|", std::abs(got - want) / std::max(std::abs(want), 1e-300), 0.01);
    }
    gpuTrainer.synchronise();
    outcome.require(gpuTrainer.optimiser().steps() == steps, "the GPU trainer counted " + std::to_string(gpuTrainer.optimiser().steps()) + " steps");
}

} // namespace ls::test
