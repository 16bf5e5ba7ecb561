#include "GsparcEngines.h"
#include "GsparcOutputs.h"
#include "GsparcParameters.h"
#include "TransmitterFollower.h"

#include "engine/core/Collective.h"
#include "engine/core/PublishThrottle.h"

#include <cmath>
#include <cstdio>

namespace ls::rf {

namespace {
constexpr int kCurveEvery = 10; // steps per point of the curves (and progress report)
constexpr int kMontageSamples = 4;
} // namespace

std::string GsparcTrainEngine::description() const
{
    return "Trains a GSpaRC field (3D Gaussians with per-Gaussian emission MLPs and a 1/d distance feature) on measured or simulated "
           "spatial spectra, then scores held-out spectra (median SSIM, PSNR, MSE) against the nearest-training-position and k-NN "
           "baselines. Hands over the checkpoint. CLI: latency-studio-cli run gsparc-train --dataset DIR --out ckpt.npz";
}

ParameterSchema GsparcTrainEngine::parameterSchema() const
{
    ParameterSchema schema{{datasetParameterSpec(), holdoutParameterSpec(), splitSeedParameterSpec()}};
    for (auto& spec : trainingRecipeSpecs())
        schema.specs.push_back(std::move(spec));
    schema.specs.push_back(nearestParameterSpec());
    schema.specs.push_back(checkpointParameterSpec("resume", "Resume from", "Optional: a checkpoint of an earlier gsparc-train run to continue (same dataset)."));
    return schema;
}

RunOutput GsparcTrainEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    auto& recorder = context.recorder();
    RfDataset dataset = [&] {
        auto stage = recorder.stage("load dataset");
        return datasetFromParameters(parameters);
    }();
    context.throwIfCancelled();
    const SpectrumQuantity quantity = quantityFromParameters(parameters);
    TrainingState state = [&] {
        auto stage = recorder.stage("initialise");
        if (!stringParameter(parameters, "resume").empty()) {
            TrainingState resumed = checkpointFromParameter(parameters, "resume");
            if (resumed.mapping.width != dataset.mapping.width || resumed.mapping.height != dataset.mapping.height)
                throw ArgumentError("resume: the checkpoint renders " + std::to_string(resumed.mapping.width) + "×" + std::to_string(resumed.mapping.height)
                                    + " maps, the dataset holds " + std::to_string(dataset.mapping.width) + "×" + std::to_string(dataset.mapping.height));
            return resumed;
        }
        return startTraining(initialFieldFromParameters(dataset, parameters), dataset, quantity);
    }();

    TrainingSettings settings = trainingSettingsFromParameters(parameters, context.device());
    settings.curveEvery = kCurveEvery;
    // Launched as several ranks (latency-studio-cli run under mpirun or srun): data parallel.
    settings.collective = &processCollective();
    const long startStep = state.step;
    bool completed = true;
    {
        auto stage = recorder.stage("train");
        PublishThrottle curves(context);
        completed = trainSteps(
            state, dataset, settings,
            [&](long done, long total, double loss, double ssimValue) {
                char message[200];
                const int length = std::snprintf(message, sizeof message, "step %ld / %ld · loss %.4f · training SSIM %.3f · %zu Gaussians", done,
                                                 total, loss, ssimValue, state.field.count());
                if (settings.confidence && !state.curveConfidence.empty() && length > 0 && static_cast<std::size_t>(length) < sizeof message)
                    std::snprintf(message + length, sizeof message - length, " · loss weight C %.2f", state.curveConfidence.back());
                const double span = std::max<long>(1, total - startStep);
                context.progress(0.95 * (done - startStep) / span, message);
                curves.offer([&] { return Dataset{"training curves", trainingCurves(state)}; }); // seen while it trains
            },
            [&] { return context.cancelRequested(); }, &recorder);
    }
    if (!completed && state.step == startStep)
        throw CancelledError(); // nothing trained: nothing to keep

    // Cancelled after some steps: the work so far is scored and handed over, not discarded.
    context.progress(0.96, "scoring " + std::to_string(dataset.test.size()) + " held-out spectra");
    HeldOutScores scores = [&] {
        auto stage = recorder.stage("evaluate held-out");
        return evaluateHeldOut(state, dataset, dataset.test, static_cast<int>(intParameter(parameters, "k")), {});
    }();

    RunOutput output;
    auto stage = recorder.stage("outputs");
    const std::string split = completed ? "held out" : "held out; cancelled at step " + std::to_string(state.step);
    output.datasets.push_back({"held-out metrics", metricsSummary(scores, split)});
    output.datasets.push_back({"held-out spectra", comparisonMontage(scores, dataset, dataset.test, kMontageSamples)});
    output.datasets.push_back({"training curves", trainingCurves(state)});
    if (settings.densify.enabled)
        output.datasets.push_back({"field size", fieldSizeCurve(state)});
    if (!state.curveConfidence.empty() && state.curveConfidence.size() == state.curveStep.size())
        output.datasets.push_back({"loss weight", confidenceCurve(state)});
    output.datasets.push_back({"SSIM distribution", ssimDistribution(scores)});
    output.datasets.push_back({"per-sample metrics", perSampleMetrics(scores)});
    const auto& shown = dataset.samples[dataset.test.front()].movingEnd;
    output.datasets.push_back({kGaussianCloudName, gaussianCloud(state.field, state.receiver, shown, kShownOpacity)});
    output.datasets.push_back({"field", gaussianSet(state.field)});
    output.archives["checkpoint.npz"] = checkpointToNpz(state);
    return output;
}

std::vector<DragHandle> GsparcTrainEngine::dragHandles(const std::vector<Dataset>& datasets) const
{
    return transmitterHandles(datasets);
}

std::unique_ptr<HandleFollower> GsparcTrainEngine::followHandle(const DragHandle&, const std::vector<Dataset>&,
                                                                const std::map<std::string, NpzArchive>& archives, const ParameterValues&) const
{
    const auto checkpoint = archives.find("checkpoint.npz");
    if (checkpoint == archives.end())
        throw ArgumentError("this training run kept no checkpoint.npz to render from");
    return std::make_unique<TransmitterFollower>(checkpointFromNpz(checkpoint->second, "the run's checkpoint.npz"));
}

} // namespace ls::rf
