#include "LatentModels.h"

#include "FashionMnist.h"
#include "ParameterArchive.h"

#include "engine/core/Error.h"
#include "engine/core/JsonFields.h"

#include <nlohmann/json.hpp>

namespace ls::consistency {

namespace {

constexpr const char* kFormat = "latency-studio latent consistency checkpoint";
constexpr int kVersion = 1;
constexpr const char* kMetaMember = "checkpoint.json"; // the JSON below, as UTF-8 bytes (uint8)

DenoiserSpec denoiserSpec(const LatentModelSpec& spec)
{
    DenoiserSpec denoiser;
    denoiser.latent = spec.latent;
    denoiser.hidden = spec.hidden;
    denoiser.blocks = spec.blocks;
    denoiser.classes = spec.classes;
    denoiser.seed = spec.seed;
    return denoiser;
}

AutoencoderSpec autoencoderSpec(const LatentModelSpec& spec)
{
    AutoencoderSpec autoencoder;
    autoencoder.latent = spec.latent;
    autoencoder.hidden = spec.autoencoderHidden;
    autoencoder.seed = spec.seed;
    return autoencoder;
}

NpyArray vectorArray(const std::vector<float>& v)
{
    return NpyArray::from<float>({static_cast<std::int64_t>(v.size())}, v);
}

void storeOptimiser(const std::string& prefix, const std::vector<Parameter*>& parameters, const OptimiserState& state, NpzArchive& archive)
{
    if (state.first.empty())
        return;
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        archive[prefix + "/m/" + parameters[i]->name] = matrixArray(state.first[i]);
        archive[prefix + "/v/" + parameters[i]->name] = matrixArray(state.second[i]);
    }
}

void storeAverage(const std::string& prefix, const std::vector<Parameter*>& parameters, const std::vector<Matrix>& average, NpzArchive& archive)
{
    for (std::size_t i = 0; i < average.size(); ++i)
        archive[prefix + "/" + parameters[i]->name] = matrixArray(average[i]);
}

// Reads archive[name] into a matrix of the given shape.
class Reader {
public:
    Reader(const NpzArchive& archive, std::string source) : archive_(archive), source_(std::move(source)) {}

    const NpyArray& member(const std::string& name) const { return archiveMember(archive_, name, source_); }
    void into(const std::string& name, Matrix& target) const { readMatrix(archive_, name, target, source_); }
    std::vector<float> vector(const std::string& name, std::int64_t size) const
    {
        const NpyArray& array = member(name);
        array.requireShape({size}, source_ + " member '" + name + "'");
        return array.toFloat();
    }
    void parameters(const std::string& prefix, const std::vector<Parameter*>& parameters) const
    {
        readParameters(archive_, prefix, parameters, source_);
    }
    OptimiserState optimiser(const std::string& prefix, const std::vector<Parameter*>& parameters, long steps) const
    {
        OptimiserState state;
        if (steps == 0)
            return state;
        state.steps = steps;
        for (const Parameter* p : parameters) {
            state.first.emplace_back(p->value.rows(), p->value.cols());
            state.second.emplace_back(p->value.rows(), p->value.cols());
            into(prefix + "/m/" + p->name, state.first.back());
            into(prefix + "/v/" + p->name, state.second.back());
        }
        return state;
    }
    std::vector<Matrix> average(const std::string& prefix, const std::vector<Parameter*>& parameters) const
    {
        std::vector<Matrix> average;
        for (const Parameter* p : parameters) {
            average.emplace_back(p->value.rows(), p->value.cols());
            into(prefix + "/" + p->name, average.back());
        }
        return average;
    }

private:
    const NpzArchive& archive_;
    std::string source_;
};

} // namespace

void OptimiserState::capture(Adam& adam)
{
    first = adam.firstMoments();
    second = adam.secondMoments();
    steps = adam.steps();
}

void OptimiserState::restore(Adam& adam) const
{
    if (first.empty())
        return;
    adam.firstMoments() = first;
    adam.secondMoments() = second;
    adam.setSteps(steps);
}

LatentModels::LatentModels(const LatentModelSpec& modelSpec)
    : spec(modelSpec), classifier(modelSpec.seed), autoencoder(autoencoderSpec(modelSpec)),
      consistency(denoiserSpec(modelSpec), Parameterisation::Consistency), diffusion(denoiserSpec(modelSpec), Parameterisation::Diffusion)
{
}

namespace {
Denoiser averagedCopy(Denoiser& raw, const std::vector<Matrix>& average)
{
    Denoiser copy(raw.spec(), raw.parameterisation());
    const auto from = raw.parameters(), to = copy.parameters();
    for (std::size_t i = 0; i < to.size(); ++i)
        to[i]->value = average.empty() ? from[i]->value : average[i];
    return copy;
}
} // namespace

Denoiser LatentModels::samplingConsistency()
{
    return averagedCopy(consistency, consistencyAverage);
}

Denoiser LatentModels::samplingDiffusion()
{
    return averagedCopy(diffusion, diffusionAverage);
}

void LatentModels::updateAverage(std::vector<Matrix>& average, Denoiser& model, double decay)
{
    if (decay <= 0)
        return;
    const auto parameters = model.parameters();
    if (average.empty()) {
        for (const Parameter* p : parameters)
            average.push_back(p->value);
        return;
    }
    const float keep = static_cast<float>(decay);
    for (std::size_t i = 0; i < parameters.size(); ++i)
        average[i] = keep * average[i] + (1.0f - keep) * parameters[i]->value;
}

Matrix LatentModels::decode(const Matrix& standardisedLatents)
{
    return autoencoder.decode(unstandardiseLatents(standardisedLatents, latentStatistics, kSigmaData));
}

Matrix LatentModels::encode(const Matrix& images)
{
    return standardiseLatents(autoencoder.encodeMean(images), latentStatistics, kSigmaData);
}

std::string LatentModels::recipeText() const
{
    const ConsistencyRecipe& r = spec.recipe;
    return std::string(r.distance == Distance::Cauchy ? "Cauchy" : "pseudo-Huber") + (r.adaptiveC ? ", adaptive c" : ", c = 0.03") +
           (r.diffusionLoss ? ", diffusion loss" : "") + (r.otCoupling ? ", OT coupling" : "") +
           (r.distillation ? ", distilled from the diffusion model (Heun, " + std::to_string(r.distillationLevels) + " levels)" : "") +
           (spec.classes > 0 ? ", class-conditional (label dropout " + std::to_string(spec.labelDropout).substr(0, 4) + ")" : "");
}

NpzArchive checkpointArchive(LatentModels& models)
{
    const LatentModelSpec& s = models.spec;
    const nlohmann::json meta = {
        {"format", kFormat},
        {"version", kVersion},
        {"latent", s.latent},
        {"autoencoderHidden", s.autoencoderHidden},
        {"hidden", s.hidden},
        {"blocks", s.blocks},
        {"seed", s.seed},
        {"trainImages", s.trainImages},
        {"averageDecay", s.averageDecay},
        {"classes", s.classes},
        {"labelDropout", s.labelDropout},
        {"averaged", !models.consistencyAverage.empty()},
        {"recipe",
         {{"distance", s.recipe.distance == Distance::Cauchy ? "cauchy" : "pseudo-huber"},
          {"adaptiveC", s.recipe.adaptiveC},
          {"diffusionLoss", s.recipe.diffusionLoss},
          {"otCoupling", s.recipe.otCoupling},
          {"distillation", s.recipe.distillation},
          {"distillationLevels", s.recipe.distillationLevels}}},
        {"classifierSteps", models.classifierSteps},
        {"autoencoderSteps", models.autoencoderSteps},
        {"consistencyIterations", models.consistencyIterations},
        {"diffusionIterations", models.diffusionIterations},
        {"plannedIterations", models.plannedIterations},
        {"batch", models.batch},
        {"rateSchedule", models.cosineRate ? "cosine" : "constant"},
        {"consistencyAdamSteps", models.consistencyOptimiser.steps},
        {"diffusionAdamSteps", models.diffusionOptimiser.steps},
        {"classifierAccuracy", models.classifierAccuracy},
        {"twoStepTau", models.twoStepTau},
        {"laterTaus", models.laterTaus},
    };
    NpzArchive archive;
    const std::string text = meta.dump(2);
    archive[kMetaMember] = NpyArray::from<std::uint8_t>({static_cast<std::int64_t>(text.size())},
                                                        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    storeParameters("classifier", models.classifier.parameters(), archive);
    storeParameters("autoencoder", models.autoencoder.parameters(), archive);
    storeParameters("consistency", models.consistency.parameters(), archive);
    storeParameters("diffusion", models.diffusion.parameters(), archive);
    storeAverage("consistency.average", models.consistency.parameters(), models.consistencyAverage, archive);
    storeAverage("diffusion.average", models.diffusion.parameters(), models.diffusionAverage, archive);
    storeOptimiser("consistency.adam", models.consistency.parameters(), models.consistencyOptimiser, archive);
    storeOptimiser("diffusion.adam", models.diffusion.parameters(), models.diffusionOptimiser, archive);
    archive["latents/mean"] = vectorArray(models.latentStatistics.mean);
    archive["latents/std"] = vectorArray(models.latentStatistics.std);
    archive["latents/excess_kurtosis"] = vectorArray(models.latentStatistics.excessKurtosis);
    archive["latents/outlier_fraction"] = vectorArray({static_cast<float>(models.latentStatistics.outlierFraction)});
    return archive;
}

LatentModels modelsFromCheckpoint(const NpzArchive& archive, const std::string& source)
{
    const Reader read(archive, source);
    nlohmann::json meta;
    {
        const auto bytes = read.member(kMetaMember).view<std::uint8_t>(source + " member 'checkpoint.json'");
        meta = parseJsonText(std::string(bytes.begin(), bytes.end()), source + " member 'checkpoint.json'");
        if (!meta.is_object())
            throw FormatError(source, "member 'checkpoint.json' is not a JSON object");
    }
    if (optionalField<std::string>(meta, "format", "", source) != kFormat)
        throw FormatError(source, "not a latent consistency checkpoint (checkpoint.json's format is not '" + std::string(kFormat) + "')");
    if (const int version = requiredField<int>(meta, "version", source + " checkpoint.json"); version != kVersion)
        throw FormatError(source, "checkpoint version " + std::to_string(version) + " is not one this build reads (" +
                                      std::to_string(kVersion) + ")");
    LatentModelSpec spec;
    spec.latent = requiredField<int>(meta, "latent", source + " checkpoint.json");
    spec.autoencoderHidden = requiredField<int>(meta, "autoencoderHidden", source + " checkpoint.json");
    spec.hidden = requiredField<int>(meta, "hidden", source + " checkpoint.json");
    spec.blocks = requiredField<int>(meta, "blocks", source + " checkpoint.json");
    spec.seed = requiredField<std::uint64_t>(meta, "seed", source + " checkpoint.json");
    spec.trainImages = requiredField<std::size_t>(meta, "trainImages", source + " checkpoint.json");
    spec.averageDecay = optionalField<double>(meta, "averageDecay", 0.0, source);
    spec.classes = optionalField<int>(meta, "classes", 0, source); // absent before class conditioning: unconditional
    spec.labelDropout = optionalField<double>(meta, "labelDropout", 0.0, source);
    if ((spec.classes != 0 && spec.classes != kClasses) || !(spec.labelDropout >= 0 && spec.labelDropout < 1))
        throw FormatError(source, "checkpoint.json classes must be 0 or " + std::to_string(kClasses) + " and labelDropout in [0, 1)");
    if (spec.latent < 1 || spec.latent > 4096 || spec.autoencoderHidden < 1 || spec.hidden < 1 || spec.blocks < 0 || spec.blocks > 64)
        throw FormatError(source, "checkpoint.json gives sizes out of range");
    // The models are allocated from these sizes before their arrays are read: a checkpoint holds
    // every parameter it declares (each denoiser a hidden × hidden embedding layer), so sizes that
    // need more values than the archive holds are refused first.
    std::uint64_t storedValues = 0;
    for (const auto& [name, array] : archive)
        storedValues += static_cast<std::uint64_t>(array.elementCount());
    const auto hidden = static_cast<std::uint64_t>(spec.hidden);
    if (hidden * hidden > storedValues || static_cast<std::uint64_t>(spec.autoencoderHidden) > storedValues)
        throw FormatError(source, "checkpoint.json declares hidden " + std::to_string(spec.hidden) + " and autoencoderHidden " +
                                      std::to_string(spec.autoencoderHidden) + ", more parameters than the archive's " +
                                      std::to_string(storedValues) + " stored values");
    const nlohmann::json recipe = requiredField<nlohmann::json>(meta, "recipe", source + " checkpoint.json");
    const std::string recipeSource = source + " checkpoint.json recipe";
    const std::string distance = optionalField<std::string>(recipe, "distance", "cauchy", recipeSource);
    if (distance != "cauchy" && distance != "pseudo-huber")
        throw FormatError(source, "checkpoint.json recipe distance must be \"cauchy\" or \"pseudo-huber\", not \"" + distance.substr(0, 40) + "\"");
    spec.recipe.distance = distance == "pseudo-huber" ? Distance::PseudoHuber : Distance::Cauchy;
    spec.recipe.adaptiveC = optionalField<bool>(recipe, "adaptiveC", true, recipeSource);
    spec.recipe.diffusionLoss = optionalField<bool>(recipe, "diffusionLoss", true, recipeSource);
    spec.recipe.otCoupling = optionalField<bool>(recipe, "otCoupling", true, recipeSource);
    spec.recipe.distillation = optionalField<bool>(recipe, "distillation", false, recipeSource); // absent before distillation: training
    spec.recipe.distillationLevels = optionalField<int>(recipe, "distillationLevels", 18, recipeSource);
    if (spec.recipe.distillationLevels < 2 || spec.recipe.distillationLevels > 1000)
        throw FormatError(source, "checkpoint.json recipe distillationLevels must be from 2 to 1000");

    LatentModels models(spec);
    models.classifierSteps = requiredField<std::int64_t>(meta, "classifierSteps", source + " checkpoint.json");
    models.autoencoderSteps = requiredField<std::int64_t>(meta, "autoencoderSteps", source + " checkpoint.json");
    models.consistencyIterations = requiredField<std::int64_t>(meta, "consistencyIterations", source + " checkpoint.json");
    models.diffusionIterations = requiredField<std::int64_t>(meta, "diffusionIterations", source + " checkpoint.json");
    models.plannedIterations = requiredField<std::int64_t>(meta, "plannedIterations", source + " checkpoint.json");
    models.batch = requiredField<int>(meta, "batch", source + " checkpoint.json");
    // absent before the cosine schedule: constant
    const std::string schedule = optionalField<std::string>(meta, "rateSchedule", "constant", source);
    if (schedule != "constant" && schedule != "cosine")
        throw FormatError(source, "checkpoint.json rateSchedule must be \"constant\" or \"cosine\", not \"" + schedule.substr(0, 40) + "\"");
    models.cosineRate = schedule == "cosine";
    models.classifierAccuracy = requiredField<double>(meta, "classifierAccuracy", source + " checkpoint.json");
    models.twoStepTau = requiredField<double>(meta, "twoStepTau", source + " checkpoint.json");
    if (meta.contains("laterTaus")) { // absent in checkpoints written before the N-step search
        if (!meta["laterTaus"].is_array())
            throw FormatError(source, "checkpoint.json laterTaus must be an array of noise levels");
        double above = models.twoStepTau;
        for (const auto& value : meta["laterTaus"]) {
            if (!value.is_number() || !(value.get<double>() > 0) || !(value.get<double>() < above))
                throw FormatError(source, "checkpoint.json laterTaus must fall strictly below the 2-step τ and each other, above 0");
            above = value.get<double>();
            models.laterTaus.push_back(above);
        }
    }
    read.parameters("classifier", models.classifier.parameters());
    read.parameters("autoencoder", models.autoencoder.parameters());
    read.parameters("consistency", models.consistency.parameters());
    read.parameters("diffusion", models.diffusion.parameters());
    if (optionalField<bool>(meta, "averaged", false, source)) {
        models.consistencyAverage = read.average("consistency.average", models.consistency.parameters());
        models.diffusionAverage = read.average("diffusion.average", models.diffusion.parameters());
    }
    models.consistencyOptimiser =
        read.optimiser("consistency.adam", models.consistency.parameters(), requiredField<long>(meta, "consistencyAdamSteps", source + " checkpoint.json"));
    models.diffusionOptimiser =
        read.optimiser("diffusion.adam", models.diffusion.parameters(), requiredField<long>(meta, "diffusionAdamSteps", source + " checkpoint.json"));
    LatentStatistics& stats = models.latentStatistics;
    stats.mean = read.vector("latents/mean", spec.latent);
    stats.std = read.vector("latents/std", spec.latent);
    stats.excessKurtosis = read.vector("latents/excess_kurtosis", spec.latent);
    stats.outlierFraction = read.vector("latents/outlier_fraction", 1).front();
    for (const float s : stats.std)
        if (!(s > 0))
            throw FormatError(source, "member 'latents/std' holds a non-positive standard deviation");
    return models;
}

LatentModels loadCheckpoint(const std::filesystem::path& file)
{
    return modelsFromCheckpoint(readNpz(file), file.string());
}

} // namespace ls::consistency
