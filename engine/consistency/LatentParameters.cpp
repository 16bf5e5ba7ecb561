#include "LatentParameters.h"

#include <cmath>
#include <sstream>

namespace ls::consistency {

std::vector<ParameterSpec> trainingParameterSpecs()
{
    using T = ParameterType;
    return {
        {.key = "trainImages", .label = "Training images", .type = T::Int, .defaultValue = std::int64_t{16384}, .minimum = 512, .maximum = 60000},
        {.key = "latent", .label = "Latent width", .type = T::Int, .defaultValue = std::int64_t{16}, .minimum = 2, .maximum = 64},
        {.key = "autoencoderSteps", .label = "Autoencoder steps", .type = T::Int, .defaultValue = std::int64_t{1500}, .minimum = 10, .maximum = 100000},
        {.key = "classifierSteps", .label = "Run's own classifier steps", .type = T::Int, .defaultValue = std::int64_t{0}, .minimum = 0,
         .maximum = 100000,
         .help = "0: none. The distances use the bundled, fixed feature network (the same for every run and checkpoint); a run's own "
                 "classifier made distances comparable only within that run, and is kept only so older sessions and checkpoints load."},
        {.key = "iterations", .label = "Training iterations", .type = T::Int, .defaultValue = std::int64_t{3000}, .minimum = 10, .maximum = 1000000,
         .help = "Of the consistency model and of the diffusion baseline, each."},
        {.key = "rateSchedule", .label = "Learning-rate schedule", .type = T::Enum, .defaultValue = std::string("cosine"),
         .help = "Both denoisers' Adam rate (1e-3): a cosine down to 0 at the last iteration, or constant. A resumed run keeps its "
                 "checkpoint's (docs/latent-consistency.md compares the two).", .choices = {"cosine", "constant"}},
        {.key = "batch", .label = "Batch", .type = T::Int, .defaultValue = std::int64_t{128}, .minimum = 8, .maximum = 1024},
        {.key = "hidden", .label = "Network width", .type = T::Int, .defaultValue = std::int64_t{256}, .minimum = 16, .maximum = 2048},
        {.key = "blocks", .label = "Residual blocks", .type = T::Int, .defaultValue = std::int64_t{3}, .minimum = 0, .maximum = 16},
        {.key = "mode", .label = "Consistency model from", .type = T::Enum, .defaultValue = std::string("training"),
         .help = "training: consistency training (iCT/sLCT), beside the diffusion baseline. distillation: consistency distillation "
                 "(CD; LCD in the LCM paper): the diffusion baseline trains first, then each pair's target is f after one Heun step "
                 "of it; the same loss otherwise (docs/latent-consistency.md compares the two).",
         .choices = {"training", "distillation"}},
        {.key = "distillationLevels", .label = "Distillation levels", .type = T::Int, .defaultValue = std::int64_t{18}, .minimum = 2,
         .maximum = 1000, .help = "Distillation: the fixed Karras grid the teacher steps along (CD's 18)."},
        {.key = "distance", .label = "Consistency distance", .type = T::Enum, .defaultValue = std::string("cauchy"),
         .help = "cauchy: sLCT's ln(1 + mean(d²)/(2c²)), for latents with impulsive outliers; pseudo-huber: iCT's √(‖d‖² + c²) − c "
                 "(docs/latent-consistency.md compares them).",
         .choices = {"cauchy", "pseudo-huber"}},
        {.key = "adaptiveC", .label = "Adaptive c", .type = T::Bool, .defaultValue = true,
         .help = "Each distance's published c. Cauchy (sLCT): 0.03 in the curriculum's first stage, then exp(−1.15·ln(N−1) − 0.85) "
                 "for N steps; pseudo-Huber (iCT): 0.00054·√d for d-dimensional latents. Off: c = 0.03 for both."},
        {.key = "diffusionLoss", .label = "Early diffusion loss", .type = T::Bool, .defaultValue = true,
         .help = "Adds 5·(1/σ² + 4)·‖f − x₀‖²/d, averaged over the pairs drawn from the lowest-noise quarter of the indices (LCT's)."},
        {.key = "otCoupling", .label = "OT coupling", .type = T::Bool, .defaultValue = false,
         .help = "Pairs noise with data by an exact assignment in each minibatch (sLCT's, for 4,096-d latents). Off by default: "
                 "in a latent this narrow the matched noise leans towards its data point, and the model learns on inputs its "
                 "samplers never give it (docs/latent-consistency.md: how much worse)."},
        {.key = "averageDecay", .label = "Weight average decay", .type = T::Float, .defaultValue = 0.0, .minimum = 0.0, .maximum = 0.99999,
         .help = "> 0: sampling uses an exponential moving average of the denoisers' weights with this decay (as iCT and sLCT "
                 "evaluate theirs after 400k iterations); 0: the raw weights, better for short runs. Training and the consistency "
                 "teacher always use the raw weights."},
        {.key = "classConditional", .label = "Class-conditional", .type = T::Bool, .defaultValue = false,
         .help = "Both denoisers learn a class embedding (Fashion-MNIST's 10 classes) with label dropout, so sampling can pick a class "
                 "and use classifier-free guidance. CPU only."},
        {.key = "labelDropout", .label = "Label dropout", .type = T::Float, .defaultValue = 0.1, .minimum = 0.0, .maximum = 0.9,
         .help = "Share of training pairs whose label is dropped (the unconditional model guidance needs)."},
        {.key = "seed", .label = "Seed", .type = T::Int, .defaultValue = std::int64_t{1}, .minimum = 0, .maximum = 9.0e15},
    };
}

std::vector<ParameterSpec> classParameterSpecs()
{
    using T = ParameterType;
    return {
        {.key = "sampleClass", .label = "Class", .type = T::Int, .defaultValue = std::int64_t{-1}, .minimum = -1, .maximum = kClasses - 1,
         .help = "Class-conditional checkpoints: the class to sample (0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, "
                 "6 shirt, 7 sneaker, 8 bag, 9 ankle boot); −1: every class in turn."},
        {.key = "guidance", .label = "Guidance scale", .type = T::Float, .defaultValue = 1.0, .minimum = 0.0, .maximum = 10.0,
         .help = "Classifier-free guidance w (class-conditional checkpoints): u + w·(c − u) of the unconditional and conditional outputs "
                 "at every evaluation; 1: plain conditional sampling, 0: unconditional. w ≠ 1 costs two evaluations a step."},
    };
}

std::vector<ParameterSpec> comparisonParameterSpecs()
{
    using T = ParameterType;
    std::vector<ParameterSpec> specs{
        {.key = "consistencySteps", .label = "Consistency steps", .type = T::Enum, .defaultValue = std::string("1, 2, 4"),
         .help = "Sampler step counts; 2 steps use the searched (or given) τ.", .choices = {"1", "1, 2", "1, 2, 4", "1, 2, 4, 8", "1, 2, 3, 4"}},
        {.key = "twoStepTau", .label = "2-step τ", .type = T::Float, .defaultValue = 0.0, .minimum = 0.0, .maximum = 80.0,
         .help = "0: the checkpoint's, else found by ternary search on the Fréchet distance (as the consistency-models authors did)."},
        {.key = "diffusionSteps", .label = "Euler steps", .type = T::Enum, .defaultValue = std::string("10, 20, 50"),
         .help = "Step counts of the diffusion baseline's Euler sampler; the last is the reference for speed-ups.",
         .choices = {"50", "10, 50", "10, 20, 50", "5, 10, 20, 50"}},
        {.key = "heun", .label = "Also Heun", .type = T::Bool, .defaultValue = false,
         .help = "Adds the baseline's Heun sampler at each Euler step count (2·steps − 1 network evaluations)."},
        {.key = "samples", .label = "Samples per sampler", .type = T::Int, .defaultValue = std::int64_t{2000}, .minimum = 16, .maximum = 10000,
         .help = "Per evaluation seed. The Fréchet distance of fewer samples is biased upwards, by different amounts per sampler."},
        {.key = "evaluationSeeds", .label = "Evaluation seeds", .type = T::Int, .defaultValue = std::int64_t{3}, .minimum = 1, .maximum = 20,
         .help = "Draws of the samples per sampler, each from its own noise; the distance is their mean with a 95 % t-interval."},
        {.key = "latencyBatches", .label = "Latency batch sizes", .type = T::Enum, .defaultValue = std::string("1, 64"),
         .help = "Each sampler is timed at these batch sizes; ms per sample and the speed-ups use the last one's median.",
         .choices = {"1, 64", "64", "1", "1, 16, 256", "1, 64, 512"}},
        {.key = "latencyRepeats", .label = "Latency repeats", .type = T::Int, .defaultValue = std::int64_t{15}, .minimum = 1, .maximum = 1000,
         .help = "Timed calls per sampler and batch size, after 2 warm-up calls; the latency view shows their percentiles."},
        {.key = "guidanceScales", .label = "Guidance scales compared", .type = T::Enum, .defaultValue = std::string("1, 2"),
         .help = "Class-conditional checkpoints: the guidance table's scales (every class in turn, each consistency sampler and the "
                 "last Euler).",
         .choices = {"1, 2", "1", "1, 1.5, 2", "0, 1, 2, 3", "1, 1.5, 2, 3, 4"}},
    };
    for (auto& spec : classParameterSpecs())
        specs.push_back(std::move(spec));
    return specs;
}

ParameterSpec checkpointParameterSpec(std::string key, std::string label, std::string help)
{
    return {.key = std::move(key), .label = std::move(label), .type = ParameterType::File, .defaultValue = std::string(), .help = std::move(help),
            .fileFilter = "Latent consistency checkpoints (*.npz)"};
}

LatentModelSpec modelSpecFrom(const ParameterValues& values)
{
    LatentModelSpec spec;
    spec.latent = static_cast<int>(intParameter(values, "latent"));
    spec.hidden = static_cast<int>(intParameter(values, "hidden"));
    spec.blocks = static_cast<int>(intParameter(values, "blocks"));
    spec.seed = static_cast<std::uint64_t>(intParameter(values, "seed"));
    spec.trainImages = static_cast<std::size_t>(intParameter(values, "trainImages"));
    spec.averageDecay = floatParameter(values, "averageDecay");
    spec.recipe.distance = stringParameter(values, "distance") == "pseudo-huber" ? Distance::PseudoHuber : Distance::Cauchy;
    spec.recipe.adaptiveC = boolParameter(values, "adaptiveC");
    spec.recipe.diffusionLoss = boolParameter(values, "diffusionLoss");
    spec.recipe.otCoupling = boolParameter(values, "otCoupling");
    spec.recipe.distillation = stringParameter(values, "mode") == "distillation";
    spec.recipe.distillationLevels = static_cast<int>(intParameter(values, "distillationLevels"));
    spec.classes = boolParameter(values, "classConditional") ? kClasses : 0;
    spec.labelDropout = floatParameter(values, "labelDropout");
    return spec;
}

TrainingSettings trainingSettingsFrom(const ParameterValues& values)
{
    TrainingSettings settings;
    settings.batch = static_cast<int>(intParameter(values, "batch"));
    settings.classifierSteps = intParameter(values, "classifierSteps");
    settings.autoencoderSteps = intParameter(values, "autoencoderSteps");
    settings.iterations = intParameter(values, "iterations");
    settings.cosineDecay = stringParameter(values, "rateSchedule") == "cosine";
    return settings;
}

ComparisonSettings comparisonSettingsFrom(const ParameterValues& values)
{
    ComparisonSettings settings;
    settings.consistencySteps = parseStepList(stringParameter(values, "consistencySteps"), "consistencySteps");
    settings.diffusionSteps = parseStepList(stringParameter(values, "diffusionSteps"), "diffusionSteps");
    settings.heun = boolParameter(values, "heun");
    settings.samples = static_cast<int>(intParameter(values, "samples"));
    settings.evaluationSeeds = static_cast<int>(intParameter(values, "evaluationSeeds"));
    settings.latencyBatches = parseStepList(stringParameter(values, "latencyBatches"), "latencyBatches");
    settings.latencyRepeats = static_cast<int>(intParameter(values, "latencyRepeats"));
    settings.sampleClass = static_cast<int>(intParameter(values, "sampleClass"));
    settings.guidance = floatParameter(values, "guidance");
    settings.guidanceScales = parseScaleList(stringParameter(values, "guidanceScales"), "guidanceScales");
    settings.seed = static_cast<std::uint64_t>(intParameter(values, "seed"));
    settings.twoStepTau = floatParameter(values, "twoStepTau");
    return settings;
}

namespace {
// "a, b,c" → numbers in [low, high] (integers only when `integers`); `kind` and `example` word the error.
std::vector<double> parseNumberList(const std::string& text, const std::string& what, double low, double high, bool integers,
                                    const std::string& kind, const std::string& example)
{
    std::vector<double> numbers;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        const auto first = item.find_first_not_of(' '), last = item.find_last_not_of(' ');
        if (first == std::string::npos)
            continue;
        item = item.substr(first, last - first + 1);
        std::size_t used = 0;
        double value = 0;
        try {
            value = std::stod(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != item.size() || !(value >= low && value <= high) || (integers && value != std::floor(value)))
            throw ArgumentError(what + ": '" + item + "' is not a " + kind + " from " + std::to_string(static_cast<int>(low)) + " to " +
                                std::to_string(static_cast<int>(high)) + " (write e.g. " + example + ")");
        numbers.push_back(value);
    }
    if (numbers.empty())
        throw ArgumentError(what + ": give at least one " + kind);
    return numbers;
}
} // namespace

std::vector<int> parseStepList(const std::string& text, const std::string& what)
{
    const std::vector<double> numbers = parseNumberList(text, what, 1, 1000, true, "step count", "1, 2, 4");
    return std::vector<int>(numbers.begin(), numbers.end());
}

std::vector<double> parseScaleList(const std::string& text, const std::string& what)
{
    return parseNumberList(text, what, 0, 10, false, "guidance scale", "1, 2, 3");
}

LatentModels checkpointFromParameter(const ParameterValues& values, const std::string& key)
{
    const std::string& file = stringParameter(values, key);
    if (file.empty())
        throw ArgumentError(key + ": give a checkpoint .npz written by lcm-train (latency-studio-cli run lcm-train --out ckpt.npz)");
    return loadCheckpoint(file);
}

} // namespace ls::consistency
