#include "LatentConsistencyEngine.h"
#include "LatentOutputs.h"
#include "LatentParameters.h"

#include <filesystem>

namespace ls::consistency {

namespace {
constexpr int kTauProbe = 500; // samples per Fréchet distance in the τ searches
constexpr int kSearchedSteps = 4; // the multistep samplers whose levels are searched after training
}

std::string LcmTrainEngine::description() const
{
    return "Trains the latent consistency models (classifier, autoencoder, consistency model with the improved recipe, EDM "
           "baseline) and hands back a checkpoint .npz; resumes a checkpoint up to the given iterations. Cancel keeps what is "
           "trained. CLI: latency-studio-cli run lcm-train --out ckpt.npz";
}

ParameterSchema LcmTrainEngine::parameterSchema() const
{
    ParameterSchema schema{trainingParameterSpecs()};
    schema.specs.push_back(checkpointParameterSpec(
        "resume", "Resume from", "A checkpoint of an earlier lcm-train run: its models, sizes, recipe and seed are kept and training "
                                 "continues to Training iterations (the curriculum spans the new total)."));
    return schema;
}

RunOutput LcmTrainEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    TrainingSettings settings = trainingSettingsFrom(parameters);
    settings.keepOnCancel = true;
    settings.cudaDevice = context.device().isCuda() ? context.device().index : -1;
    const std::string& resume = stringParameter(parameters, "resume");
    LatentModels models = resume.empty() ? LatentModels(modelSpecFrom(parameters)) : loadCheckpoint(resume);
    if (!resume.empty() && models.consistencyIterations >= settings.iterations)
        throw ArgumentError("iterations: " + resume + " is already trained for " + std::to_string(models.consistencyIterations) +
                            " iterations; ask for more to resume it");
    if (!resume.empty()) { // the classifier and the latent space stay as they are; batches continue in order
        settings.classifierSteps = models.classifierSteps;
        settings.autoencoderSteps = models.autoencoderSteps;
        settings.batch = models.batch > 0 ? models.batch : settings.batch;
        settings.cosineDecay = models.cosineRate;
    }
    ImageSet train, test;
    {
        auto stage = context.recorder().stage("load");
        train = loadFashionMnist(Split::Train, models.spec.trainImages);
        test = referenceImages();
    }
    TrainingRecord record = trainLatentModels(models, train, test, settings, context, 0.92);
    const QualityJudge judge(test);
    if (!record.stoppedEarly) {
        context.progress(0.92, "searching the 2-step τ");
        models.twoStepTau = searchTwoStepTau(models, judge, kTauProbe, models.spec.seed, context);
        context.progress(0.96, "searching the 3- and 4-step noise levels");
        models.laterTaus = searchLaterTaus(models, judge, kTauProbe, models.spec.seed, models.twoStepTau, kSearchedSteps, context);
    }

    RunOutput output;
    auto stage = context.recorder().stage("outputs");
    output.datasets.push_back({"training", std::move(record.consistencyCurves)});
    output.datasets.push_back({"diffusion training", std::move(record.diffusionCurves)});
    output.datasets.push_back({"autoencoder training", std::move(record.autoencoderCurve)});
    output.datasets.push_back({"model", modelTable(models, pixelMatrix(test), judge, "ternary search")});
    output.archives["checkpoint.npz"] = checkpointArchive(models);
    context.progress(1.0, record.stoppedEarly ? "cancelled at iteration " + std::to_string(models.consistencyIterations) +
                                                    "; the checkpoint holds it and resumes from there"
                                              : "trained");
    return output;
}

} // namespace ls::consistency
