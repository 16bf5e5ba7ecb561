#include "LatentConsistencyEngine.h"
#include "LatentOutputs.h"
#include "LatentParameters.h"

namespace ls::consistency {

std::string LcmEvalEngine::description() const
{
    return "Compares the samplers of a latent consistency checkpoint (from lcm-train) on the same seeds: Fréchet distance to "
           "the 10,000 test images in the bundled feature network's features (mean and 95 % interval over evaluation seeds) and "
           "latency percentiles per batch size for 1, 2 … N consistency steps and Euler. CLI: latency-studio-cli run "
           "lcm-eval --checkpoint ckpt.npz --out DIR (samplers.csv holds the distances)";
}

ParameterSchema LcmEvalEngine::parameterSchema() const
{
    ParameterSchema schema{{checkpointParameterSpec("checkpoint", "Checkpoint", "A checkpoint .npz written by lcm-train.")}};
    for (auto& spec : comparisonParameterSpecs())
        schema.specs.push_back(std::move(spec));
    schema.specs.push_back({.key = "seed", .label = "Seed", .type = ParameterType::Int, .defaultValue = std::int64_t{1}, .minimum = 0, .maximum = 9.0e15});
    return schema;
}

RunOutput LcmEvalEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    ComparisonSettings comparison = comparisonSettingsFrom(parameters);
    const bool tauGiven = comparison.twoStepTau > 0;
    ImageSet test;
    LatentModels models = [&] {
        auto stage = context.recorder().stage("load");
        test = referenceImages();
        return checkpointFromParameter(parameters, "checkpoint");
    }();
    const bool tauInCheckpoint = models.twoStepTau > 0;
    const QualityJudge judge(test);
    const auto samplers = compareSamplers(models, judge, comparison, context, 0.0);
    models.twoStepTau = comparison.twoStepTau;
    RunOutput output;
    auto stage = context.recorder().stage("outputs");
    output.datasets = comparisonDatasets(models, samplers, test, judge,
                                         tauGiven ? "given" : tauInCheckpoint ? "lcm-train's ternary search" : "ternary search");
    for (auto& dataset : conditionalDatasets(models, judge, comparison, context))
        output.datasets.push_back(std::move(dataset));
    return output;
}

std::vector<ReportSection> LcmEvalEngine::reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const
{
    return comparisonReport(datasets);
}

} // namespace ls::consistency
