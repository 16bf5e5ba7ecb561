#include "GsparcEngines.h"
#include "GsparcOutputs.h"
#include "GsparcParameters.h"

namespace ls::rf {

std::string GsparcEvalEngine::description() const
{
    return "Scores a GSpaRC checkpoint on a split of a dataset: per-sample SSIM, PSNR and MSE next to the nearest-position and k-NN "
           "baselines, the CDF of SSIM, and the predicted spectra. CLI: latency-studio-cli run gsparc-eval --dataset DIR --split test "
           "--checkpoint ckpt.npz --out DIR";
}

ParameterSchema GsparcEvalEngine::parameterSchema() const
{
    return {{
        datasetParameterSpec(),
        checkpointParameterSpec("checkpoint", "Checkpoint", "A checkpoint .npz written by gsparc-train."),
        {.key = "split", .label = "Split", .type = ParameterType::Enum, .defaultValue = std::string("test"),
         .help = "test: the held-out spectra (test_index.txt, or the same seeded hold-out gsparc-train made); train; all.",
         .choices = {"test", "train", "all"}},
        holdoutParameterSpec(),
        splitSeedParameterSpec(),
        nearestParameterSpec(),
    }};
}

RunOutput GsparcEvalEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    auto& recorder = context.recorder();
    RfDataset dataset;
    TrainingState state;
    {
        auto stage = recorder.stage("load");
        dataset = datasetFromParameters(parameters);
        state = checkpointFromParameter(parameters, "checkpoint");
    }
    if (state.mapping.width != dataset.mapping.width || state.mapping.height != dataset.mapping.height)
        throw ArgumentError("checkpoint: it renders " + std::to_string(state.mapping.width) + "×" + std::to_string(state.mapping.height)
                            + " maps, the dataset holds " + std::to_string(dataset.mapping.width) + "×" + std::to_string(dataset.mapping.height));
    const std::string split = stringParameter(parameters, "split");
    std::vector<std::size_t> indices = split == "train" ? dataset.train : dataset.test;
    if (split == "all")
        indices.insert(indices.end(), dataset.train.begin(), dataset.train.end());
    HeldOutScores scores;
    {
        auto stage = recorder.stage("render and score");
        scores = evaluateHeldOut(state, dataset, indices, static_cast<int>(intParameter(parameters, "k")), [&] { return context.cancelRequested(); });
    }
    RunOutput output;
    auto stage = recorder.stage("outputs");
    output.datasets.push_back({"metrics", metricsSummary(scores, split)});
    output.datasets.push_back({"per-sample metrics", perSampleMetrics(scores)});
    output.datasets.push_back({"SSIM distribution", ssimDistribution(scores)});
    output.datasets.push_back({"spectra", comparisonMontage(scores, dataset, indices, 8)});
    // Every predicted spectrum, [N, H·W] per frequency-major map, for comparison with other code.
    Grid predicted{static_cast<int>(scores.predicted.size()), static_cast<int>(scores.predicted.empty() ? 0 : scores.predicted.front().size()), 1,
                   {}, "normalised power", "pixel (F × H × W, row-major)", "sample (per-sample metrics order)", false};
    for (const auto& spectrum : scores.predicted)
        predicted.values.insert(predicted.values.end(), spectrum.begin(), spectrum.end());
    output.datasets.push_back({"predicted spectra", std::move(predicted)});
    return output;
}

} // namespace ls::rf
