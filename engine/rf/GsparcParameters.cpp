#include "GsparcParameters.h"

#include "engine/core/Error.h"

namespace ls::rf {

ParameterSpec datasetParameterSpec()
{
    return {.key = "dataset", .label = "Dataset folder", .type = ParameterType::File, .defaultValue = std::string(),
            .help = "An RFID-layout folder (spectrum/NNNNN.png, tx_pos.csv, gateway_info.yml, train_index.txt, optional test_index.txt) "
                    "or an array folder (spectra.npy, positions.csv, receiver.json).",
            .fileFilter = "folder"};
}

ParameterSpec checkpointParameterSpec(std::string key, std::string label, std::string help)
{
    return {.key = std::move(key), .label = std::move(label), .type = ParameterType::File, .defaultValue = std::string(), .help = std::move(help),
            .fileFilter = "GSpaRC checkpoints (*.npz)"};
}

ParameterSpec holdoutParameterSpec()
{
    return {.key = "holdout", .label = "Held out", .type = ParameterType::Float, .defaultValue = 0.2, .minimum = 0.01, .maximum = 0.9,
            .help = "Fraction of the training spectra held out for scoring when the folder has no test_index.txt."};
}

ParameterSpec splitSeedParameterSpec()
{
    return {.key = "splitSeed", .label = "Split seed", .type = ParameterType::Int, .defaultValue = std::int64_t{1}, .minimum = 0, .maximum = 9.0e15,
            .help = "Seed of the held-out split (the same seed in gsparc-eval gives the same split)."};
}

ParameterSpec nearestParameterSpec()
{
    return {.key = "k", .label = "k-NN baseline k", .type = ParameterType::Int, .defaultValue = std::int64_t{3}, .minimum = 1, .maximum = 64,
            .help = "The second baseline averages the spectra of the k nearest training positions."};
}

std::vector<ParameterSpec> trainingRecipeSpecs()
{
    return {
        {.key = "iterations", .label = "Training steps", .type = ParameterType::Int, .defaultValue = std::int64_t{1000}, .minimum = 1, .maximum = 1000000,
         .help = "Adam steps, `batch` spectra each (a resumed run continues up to this total)."},
        {.key = "batch", .label = "Spectra per step", .type = ParameterType::Int, .defaultValue = std::int64_t{1}, .minimum = 1, .maximum = 32,
         .help = "Spectra whose gradients each step averages (the reference: 1). They share one render: with the receiver fixed, "
                 "projection, sorting and every pixel's α serve them all, so a batch costs little more than one spectrum "
                 "(docs/gsparc.md: what batches of 8 reached)."},
        {.key = "spacing", .label = "Grid spacing", .type = ParameterType::Float, .defaultValue = 0.3, .minimum = 0.01, .maximum = 10.0, .units = "m",
         .help = "Initial Gaussians sit on a grid of this spacing over the scene box."},
        {.key = "margin", .label = "Box margin", .type = ParameterType::Float, .defaultValue = 1.0, .minimum = 0.0, .maximum = 100.0, .units = "m",
         .help = "The scene box covers the receiver and every transmitter position, padded by this much on each side."},
        {.key = "hidden", .label = "MLP width", .type = ParameterType::Int, .defaultValue = std::int64_t{32}, .minimum = 1, .maximum = 256,
         .help = "Hidden units of each Gaussian's emission MLP."},
        {.key = "emission", .label = "Emission", .type = ParameterType::Enum, .defaultValue = std::string("real-imaginary"),
         .help = "What each Gaussian's MLP emits per frequency, both with the 1/d fall-off: real and imaginary parts through a sigmoid "
                 "(GSpaRC; both positive, so emitters never cancel), or an amplitude through the sigmoid and a free phase (emitters "
                 "interfere, as the paths behind a beamformed spectrum's nulls do). docs/gsparc.md compares the two.",
         .choices = {"real-imaginary", "amplitude-phase"}},
        {.key = "mlpRate", .label = "MLP learning rate", .type = ParameterType::Float, .defaultValue = 2e-3, .minimum = 1e-6, .maximum = 1.0,
         .help = "Adam's rate for the emission MLPs (2e-3: the reference code's). Short runs underfit at it; docs/gsparc.md "
                 "gives what other rates reached."},
        {.key = "mlpRateEnd", .label = "MLP rate at the end", .type = ParameterType::Float, .defaultValue = 0.0, .minimum = 0.0, .maximum = 1.0,
         .help = "0: the MLP rate stays constant (the reference code). Else it falls log-linearly to this over the run, as the "
                 "positions' rate does (docs/gsparc.md: when that helped). The fall spans steps 0 to `iterations`, so a resumed run "
                 "takes up the schedule where its checkpoint's step is."},
        {.key = "positionRate", .label = "Position rate", .type = ParameterType::Float, .defaultValue = 1.6e-3, .minimum = 1e-9, .maximum = 1.0,
         .units = "m",
         .help = "Adam's rate for the Gaussians' centres at the start; it falls log-linearly to `positionRateEnd` over the run "
                 "(1.6e-3 → 1.6e-6: the earlier GSpaRC code's; the newest's is 1.6e-4 → 1.6e-7, docs/gsparc.md compares them)."},
        {.key = "positionRateEnd", .label = "Position rate at the end", .type = ParameterType::Float, .defaultValue = 1.6e-6, .minimum = 1e-12,
         .maximum = 1.0, .units = "m", .help = "The centres' rate at the last step."},
        {.key = "confidence", .label = "Confidence weighting", .type = ParameterType::Bool, .defaultValue = false,
         .help = "The newest GSpaRC code's loss C·L − α·log C, with C = 1 + exp(MLP(receiver position)) learnt alongside the field "
                 "(DUSt3R's confidence). With one receiver pose per dataset C is one number per step; docs/gsparc.md measures it."},
        {.key = "confidenceAlpha", .label = "Confidence α", .type = ParameterType::Float, .defaultValue = 0.3, .minimum = 1e-6, .maximum = 100.0,
         .help = "The price α·log C of lowering the confidence (the reference: 0.3). Used with confidence on."},
        {.key = "ssimWeight", .label = "SSIM weight λ", .type = ParameterType::Float, .defaultValue = 0.2, .minimum = 0.0, .maximum = 1.0,
         .help = "Loss (1 − λ)·L1 + λ·(1 − SSIM)."},
        {.key = "quantity", .label = "Spectrum", .type = ParameterType::Enum, .defaultValue = std::string("magnitude"),
         .help = "What a pixel shows: the magnitude of the composited complex value, or its real part.", .choices = {"magnitude", "real"}},
        {.key = "seed", .label = "Seed", .type = ParameterType::Int, .defaultValue = std::int64_t{1}, .minimum = 0, .maximum = 9.0e15,
         .help = "Seeds the emission weights and the order spectra are drawn in."},
        {.key = "densify", .label = "Densify and prune", .type = ParameterType::Bool, .defaultValue = false,
         .help = "3DGS's adaptive density control over the first half of the run: every 100 steps, Gaussians the loss keeps pulling "
                 "across the map are cloned (small) or split (large), nearly transparent ones are pruned."},
        {.key = "densifyThreshold", .label = "Densify above", .type = ParameterType::Float, .defaultValue = 2e-5, .minimum = 0.0, .maximum = 1.0,
         .help = "Mean |dL/d(map position)| per pixel of displacement above which a Gaussian is cloned or split."},
        {.key = "pruneOpacity", .label = "Prune below opacity", .type = ParameterType::Float, .defaultValue = 0.005, .minimum = 0.0, .maximum = 1.0,
         .help = "Gaussians less opaque than this are removed at each densification pass."},
        {.key = "maxGaussians", .label = "Most Gaussians", .type = ParameterType::Int, .defaultValue = std::int64_t{60000}, .minimum = 1, .maximum = 10000000,
         .help = "Densification stops adding Gaussians at this many."},
        {.key = "opacityReset", .label = "Reset opacities every", .type = ParameterType::Int, .defaultValue = std::int64_t{0}, .minimum = 0,
         .maximum = 1000000, .units = "steps",
         .help = "With densify on: every this many steps of its part of the run, opacities above 0.01 are lowered to 0.01 and their "
                 "Adam moments reset, so Gaussians the loss no longer needs fade and are pruned (3DGS; the GSpaRC code: 4,000). 0: never."},
    };
}

SpectrumQuantity quantityFromParameters(const ParameterValues& values)
{
    return stringParameter(values, "quantity") == "real" ? SpectrumQuantity::RealPart : SpectrumQuantity::Magnitude;
}

GaussianField initialFieldFromParameters(const RfDataset& dataset, const ParameterValues& values)
{
    const auto [low, high] = sceneBox(dataset, static_cast<float>(floatParameter(values, "margin")));
    GridInitialisation init;
    init.boxMin = low;
    init.boxMax = high;
    init.spacingMetres = static_cast<float>(floatParameter(values, "spacing"));
    init.frequencies = dataset.frequencies;
    init.hidden = static_cast<int>(intParameter(values, "hidden"));
    init.emissionForm = stringParameter(values, "emission") == "amplitude-phase" ? EmissionForm::AmplitudePhase : EmissionForm::RealImaginary;
    init.seed = static_cast<std::uint64_t>(intParameter(values, "seed"));
    const auto [centre, spread] = movingEndSpread(dataset);
    init.inputCentre = centre;
    init.inputScale = spread;
    return initialiseOnGrid(init);
}

TrainingSettings trainingSettingsFromParameters(const ParameterValues& values, const DeviceInfo& device)
{
    TrainingSettings settings;
    settings.iterations = static_cast<int>(intParameter(values, "iterations"));
    settings.batch = static_cast<int>(intParameter(values, "batch"));
    settings.ssimWeight = floatParameter(values, "ssimWeight");
    settings.rates.mlp = floatParameter(values, "mlpRate");
    settings.rates.mlpEnd = floatParameter(values, "mlpRateEnd");
    settings.rates.positionStart = floatParameter(values, "positionRate");
    settings.rates.positionEnd = floatParameter(values, "positionRateEnd");
    settings.confidence = boolParameter(values, "confidence");
    settings.confidenceAlpha = floatParameter(values, "confidenceAlpha");
    settings.seed = static_cast<std::uint64_t>(intParameter(values, "seed"));
    settings.cudaDevice = device.isCuda() ? device.index : -1;
    settings.densify.enabled = boolParameter(values, "densify");
    settings.densify.gradientThreshold = floatParameter(values, "densifyThreshold");
    settings.densify.pruneOpacity = floatParameter(values, "pruneOpacity");
    settings.densify.maxGaussians = static_cast<std::size_t>(intParameter(values, "maxGaussians"));
    settings.densify.opacityResetEvery = static_cast<long>(intParameter(values, "opacityReset"));
    if (settings.densify.opacityResetEvery > 0 && !settings.densify.enabled) // it would do nothing, without a word
        throw ArgumentError("opacityReset: opacities are reset only while densifying; add --param densify=true, or leave opacityReset at 0");
    return settings;
}

RfDataset datasetFromParameters(const ParameterValues& values)
{
    const std::string& folder = stringParameter(values, "dataset");
    if (folder.empty())
        throw ArgumentError("dataset: give a dataset folder (the bundled sample: assets/rf/rfid-s23)");
    RfDataset dataset = loadRfDataset(folder);
    holdOutFromTraining(dataset, floatParameter(values, "holdout"), static_cast<std::uint64_t>(intParameter(values, "splitSeed")));
    return dataset;
}

TrainingState checkpointFromParameter(const ParameterValues& values, const std::string& key)
{
    const std::string& file = stringParameter(values, key);
    if (file.empty())
        throw ArgumentError(key + ": give a checkpoint .npz written by gsparc-train (latency-studio-cli run gsparc-train --out ckpt.npz)");
    return checkpointFromNpz(readNpz(file), file);
}

} // namespace ls::rf
