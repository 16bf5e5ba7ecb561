#include "LatentConsistencyEngine.h"

#include "LatentOutputs.h"
#include "LatentParameters.h"

namespace ls::consistency {

std::string LatentConsistencyEngine::description() const
{
    return "Consistency models in an autoencoder's latent space on Fashion-MNIST (Debian's dataset-fashion-mnist): 1-, 2- and "
           "N-step sampling against an EDM diffusion sampler on the same network, trained with the improved recipe (Cauchy loss, "
           "early diffusion loss; OT coupling as a switch); Fréchet distance vs milliseconds per sample.";
}

ParameterSchema LatentConsistencyEngine::parameterSchema() const
{
    ParameterSchema schema{trainingParameterSpecs()};
    for (auto& spec : comparisonParameterSpecs())
        schema.specs.push_back(std::move(spec));
    return schema;
}

RunOutput LatentConsistencyEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    const LatentModelSpec spec = modelSpecFrom(parameters);
    ComparisonSettings comparison = comparisonSettingsFrom(parameters);
    ImageSet train, test;
    {
        auto stage = context.recorder().stage("load");
        train = loadFashionMnist(Split::Train, spec.trainImages);
        test = referenceImages();
    }
    LatentModels models(spec);
    TrainingSettings settings = trainingSettingsFrom(parameters);
    settings.cudaDevice = context.device().isCuda() ? context.device().index : -1;
    TrainingRecord record = trainLatentModels(models, train, test, settings, context, 0.85);
    const QualityJudge judge(test);
    const bool tauGiven = comparison.twoStepTau > 0;
    const auto samplers = compareSamplers(models, judge, comparison, context, 0.85);
    models.twoStepTau = comparison.twoStepTau; // the τ the 2-step sampler used, for the model table

    RunOutput output;
    auto stage = context.recorder().stage("outputs");
    output.datasets = comparisonDatasets(models, samplers, test, judge, tauGiven ? "given" : "ternary search");
    for (auto& dataset : conditionalDatasets(models, judge, comparison, context))
        output.datasets.push_back(std::move(dataset));
    output.datasets.push_back({"training", std::move(record.consistencyCurves)});
    output.datasets.push_back({"diffusion training", std::move(record.diffusionCurves)});
    output.datasets.push_back({"autoencoder training", std::move(record.autoencoderCurve)});
    context.progress(1.0, "done");
    return output;
}

std::vector<ReportSection> LatentConsistencyEngine::reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const
{
    return comparisonReport(datasets);
}

} // namespace ls::consistency
