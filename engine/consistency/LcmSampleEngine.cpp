#include "LatentConsistencyEngine.h"
#include "LatentOutputs.h"
#include "LatentParameters.h"
#include "SamplerComparison.h"
#include "Sampling.h"
#if LS_HAS_CUDA
#include "DenoiserCuda.h"
#endif

namespace ls::consistency {

namespace {
constexpr int kGalleryColumns = 8;

// Rows of `matrix` as a Grid [rows, cols, 1], for export (not shown as a picture).
Grid matrixGrid(const Matrix& matrix, std::string columnsLabel)
{
    Grid grid{static_cast<int>(matrix.rows()), static_cast<int>(matrix.cols()), 1, {}, "", std::move(columnsLabel), "sample"};
    grid.values.assign(matrix.data(), matrix.data() + matrix.size());
    return grid;
}
} // namespace

std::string LcmSampleEngine::description() const
{
    return "Samples a latent consistency checkpoint (from lcm-train) with 1, 2 or N consistency steps, or the diffusion baseline's "
           "Euler/Heun, from a seed: the decoded images as a gallery and as pixels, and the latents. CLI: latency-studio-cli run "
           "lcm-sample --checkpoint ckpt.npz --steps 2 --n 64 --seed 1 --out DIR";
}

ParameterSchema LcmSampleEngine::parameterSchema() const
{
    using T = ParameterType;
    ParameterSchema schema{{
        checkpointParameterSpec("checkpoint", "Checkpoint", "A checkpoint .npz written by lcm-train."),
        {.key = "sampler", .label = "Sampler", .type = T::Enum, .defaultValue = std::string("consistency"),
         .help = "consistency: the consistency model; euler, heun: the diffusion baseline's deterministic samplers.",
         .choices = {"consistency", "euler", "heun"}},
        {.key = "steps", .label = "Steps", .type = T::Int, .defaultValue = std::int64_t{1}, .minimum = 1, .maximum = 1000,
         .help = "Consistency: 1, 2 (at τ) or N (the levels lcm-train searched after τ, else a Karras grid's inner levels); diffusion: the Karras grid's levels."},
        {.key = "tau", .label = "2-step τ", .type = T::Float, .defaultValue = 0.0, .minimum = 0.0, .maximum = 80.0,
         .help = "0: the τ lcm-train found by search."},
        {.key = "n", .label = "Samples", .type = T::Int, .defaultValue = std::int64_t{64}, .minimum = 1, .maximum = 4096},
        {.key = "seed", .label = "Seed", .type = T::Int, .defaultValue = std::int64_t{1}, .minimum = 0, .maximum = 9.0e15},
    }};
    for (auto& spec : classParameterSpecs())
        schema.specs.push_back(std::move(spec));
    // Sampling answers in well under a second: the class, guidance, sampler, steps and seed are also
    // controls in the 3D view's overlay, where a change re-runs and shows the new samples.
    for (auto& spec : schema.specs)
        spec.overlay = spec.key == "sampleClass" || spec.key == "guidance" || spec.key == "sampler" || spec.key == "steps" || spec.key == "seed";
    return schema;
}

RunOutput LcmSampleEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    auto& recorder = context.recorder();
    LatentModels models = [&] {
        auto stage = recorder.stage("load checkpoint");
        return checkpointFromParameter(parameters, "checkpoint");
    }();
    const std::string sampler = stringParameter(parameters, "sampler");
    const int steps = static_cast<int>(intParameter(parameters, "steps"));
    const int count = static_cast<int>(intParameter(parameters, "n"));
    const auto seed = static_cast<std::uint64_t>(intParameter(parameters, "seed"));
    double tau = floatParameter(parameters, "tau");
    if (tau <= 0)
        tau = models.twoStepTau > 0 ? models.twoStepTau : 0.8;
    // The searched later levels go with the τ they were searched after; another τ takes a Karras grid's.
    const std::vector<double> laterTaus = tau == models.twoStepTau ? models.laterTaus : std::vector<double>{};
    const int sampleClass = static_cast<int>(intParameter(parameters, "sampleClass"));
    const double guidance = floatParameter(parameters, "guidance");
    const bool conditional = models.spec.classes > 0;
    if (!conditional && (sampleClass >= 0 || guidance != 1.0))
        throw ArgumentError("sampleClass and guidance: " + stringParameter(parameters, "checkpoint") +
                            " holds unconditional models (train with classConditional on)");
    const std::vector<int> labels = conditional ? sampleLabels(count, models.spec.classes, sampleClass) : std::vector<int>{};
    context.throwIfCancelled();

    Matrix latents;
    {
        auto stage = recorder.stage("sample");
        const bool consistency = sampler == "consistency";
        Denoiser model = consistency ? models.samplingConsistency() : models.samplingDiffusion();
        if (context.device().isCuda() && !conditional) { // the GPU kernels have no class embedding
#if LS_HAS_CUDA
            DenoiserCuda gpu(model, context.device().index);
            latents = consistency ? gpu.sampleConsistency(count, consistencyTaus(steps, tau, laterTaus), seed, &recorder)
                                  : gpu.sampleDiffusion(count, steps, sampler == "heun", seed, &recorder);
#endif
        } else {
            latents = consistency ? sampleConsistency(model, count, consistencyTaus(steps, tau, laterTaus), seed, labels, nullptr, guidance)
                                  : sampleDiffusion(model, count, steps, sampler == "heun", seed, labels, nullptr, guidance);
        }
    }
    Matrix images;
    {
        auto stage = recorder.stage("decode");
        images = models.decode(latents);
    }
    RunOutput output;
    auto stage = recorder.stage("outputs");
    std::string name = std::to_string(steps) + "-step " + sampler + (sampler == "consistency" && steps == 2 ? " (τ = " + std::to_string(tau).substr(0, 5) + ")" : "");
    if (conditional)
        name += std::string(", ") + (sampleClass >= 0 ? fashionMnistClassName(sampleClass) : "every class in turn") + ", guidance " +
                std::to_string(guidance).substr(0, 4);
    output.datasets.push_back({"samples", imageGallery(images, kGalleryColumns, name + ", seed " + std::to_string(seed))});
    output.datasets.push_back({"latents", matrixGrid(latents, "latent dimension (standardised, σ_data = 0.5)")});
    output.datasets.push_back({"images", matrixGrid(images, "pixel (28 × 28, row-major, 0 … 1)")});
    return output;
}

} // namespace ls::consistency
