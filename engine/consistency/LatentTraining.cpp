#include "LatentTraining.h"

#include "engine/core/CounterRng.h"
#include "engine/core/ParallelFor.h"
#include "engine/core/PublishThrottle.h"

#include <algorithm>
#include <cmath>

namespace ls::consistency {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr const char* kSecondThreadLane = "cpu 2"; // the timeline's lane for the baseline's stages when they run alongside

// Batches walk through the data in order, wrapping; the same step always takes the same rows.
Eigen::Index batchStart(std::int64_t step, Eigen::Index rows, int size)
{
    return static_cast<Eigen::Index>((step * size) % std::max<Eigen::Index>(1, rows - size));
}

// When a stage ran, measured on whichever thread ran it; the recorder itself is single-threaded, so
// the spans are added to it afterwards, on the run's thread.
struct Span {
    double startUs = -1, durationUs = 0;
    bool ran() const { return startUs >= 0; }
};

template <class Work> Span timed(const LatencyRecorder& recorder, Work&& work)
{
    Span span{recorder.nowUs(), 0};
    work();
    span.durationUs = recorder.nowUs() - span.startUs;
    return span;
}

} // namespace

std::vector<int> trainingLabels(const std::vector<std::uint8_t>& labels, Eigen::Index start, int batch, double dropout, std::uint64_t seed,
                                std::int64_t iteration)
{
    std::vector<int> out(static_cast<std::size_t>(batch));
    for (int r = 0; r < batch; ++r) {
        const bool dropped = rng::uniform(rng::mix64(seed ^ 0x6c61626cu), static_cast<std::uint64_t>(iteration) * static_cast<std::uint64_t>(batch) + r, 5) <
                             static_cast<float>(dropout);
        out[static_cast<std::size_t>(r)] = dropped ? -1 : static_cast<int>(labels.at(static_cast<std::size_t>(start + r)));
    }
    return out;
}

float denoiserLearningRate(const TrainingSettings& settings, std::int64_t iteration, std::int64_t total)
{
    if (!settings.cosineDecay)
        return settings.learningRate;
    const double progress = std::clamp(static_cast<double>(iteration) / static_cast<double>(std::max<std::int64_t>(total, 1)), 0.0, 1.0);
    return settings.learningRate * static_cast<float>(0.5 * (1 + std::cos(kPi * progress)));
}

TrainingRecord trainLatentModels(LatentModels& models, const ImageSet& train, const ImageSet& test, const TrainingSettings& settings,
                                 RunContext& context, double progressShare)
{
    auto& recorder = context.recorder();
    const int batch = settings.batch;
    const auto images = pixelMatrix(train);
    if (images.rows() <= batch)
        throw ArgumentError("training needs more images (" + std::to_string(images.rows()) + ") than the batch (" + std::to_string(batch) + ")");
    auto progress = [&](double from, double span, double done, const std::string& message) {
        context.progress(progressShare * (from + span * done), message);
    };
    PublishThrottle curves(context), diffusionCurves(context); // the curves so far, seen while it trains
    TrainingRecord record;
    record.autoencoderCurve = {"step", {}, {{"loss (BCE + KL per image)", 1, {}}}, SeriesStyle::Lines, {}};
    record.consistencyCurves = {"iteration", {}, {{"consistency loss", 1, {}}, {"discretisation N", 1, {}}}, SeriesStyle::Lines, {}};
    record.diffusionCurves = {"iteration", {}, {{"diffusion loss", 1, {}}}, SeriesStyle::Lines, {}};

    if (models.classifierSteps < settings.classifierSteps) {
        auto stage = recorder.stage("classifier");
        Adam adam(models.classifier.parameters(), settings.learningRate);
        for (std::int64_t step = models.classifierSteps; step < settings.classifierSteps; ++step) {
            context.throwIfCancelled();
            const Eigen::Index start = batchStart(step, images.rows(), batch);
            models.classifier.trainStep(images.middleRows(start, batch),
                                        std::vector<std::uint8_t>(train.labels.begin() + start, train.labels.begin() + start + batch), adam);
            models.classifierSteps = step + 1;
            if (step % 50 == 0)
                progress(0.0, 0.12, static_cast<double>(step) / settings.classifierSteps, "classifier step " + std::to_string(step));
        }
        models.classifierAccuracy = models.classifier.accuracy(pixelMatrix(test), test.labels);
    }

    if (models.autoencoderSteps < settings.autoencoderSteps || models.latentStatistics.mean.empty()) {
        {
            auto stage = recorder.stage("autoencoder");
            Adam adam(models.autoencoder.parameters(), settings.learningRate);
            for (std::int64_t step = models.autoencoderSteps; step < settings.autoencoderSteps; ++step) {
                context.throwIfCancelled();
                const AutoencoderLoss loss =
                    models.autoencoder.trainStep(images.middleRows(batchStart(step, images.rows(), batch), batch), adam, models.spec.seed + step);
                models.autoencoderSteps = step + 1;
                if (step % 10 == 0) {
                    record.autoencoderCurve.x.push_back(static_cast<float>(step));
                    record.autoencoderCurve.curves[0].values.push_back(static_cast<float>(loss.reconstruction + loss.kl));
                    curves.offer([&] { return Dataset{"autoencoder training", record.autoencoderCurve}; });
                }
                if (step % 50 == 0)
                    progress(0.12, 0.23, static_cast<double>(step) / settings.autoencoderSteps, "autoencoder step " + std::to_string(step));
            }
        }
        auto stage = recorder.stage("latents");
        models.latentStatistics = latentStatistics(models.autoencoder.encodeMean(images));
    }
    Matrix latents;
    {
        auto stage = recorder.stage("latents");
        latents = models.encode(images);
    }

    const std::int64_t iterations = settings.iterations;
    const bool conditional = models.spec.classes > 0;
    if (conditional && settings.cudaDevice >= 0)
        throw ArgumentError("class-conditional training runs on the CPU only (the GPU denoiser kernels have no class embedding yet): "
                            "choose the CPU device, or train unconditionally");
    models.plannedIterations = iterations;
    models.batch = batch;
    models.cosineRate = settings.cosineDecay;
    const bool distilling = models.spec.recipe.distillation;
    ConsistencyTrainer consistency(models.consistency, models.spec.recipe, iterations, settings.learningRate, models.spec.seed,
                                   settings.cudaDevice, distilling ? &models.diffusion : nullptr);
    DiffusionTrainer diffusion(models.diffusion, settings.learningRate, models.spec.seed, settings.cudaDevice);
    const bool averaging = models.spec.averageDecay > 0; // the average follows the weights, which a GPU holds until synchronised
    models.consistencyOptimiser.restore(consistency.optimiser());
    models.diffusionOptimiser.restore(diffusion.optimiser());
    consistency.resumeAt(models.consistencyIterations);
    diffusion.resumeAt(models.diffusionIterations);
    double consistencyLoss = 0, diffusionLoss = 0;
    int averaged = 0, discretisation = 0;
    // The two denoisers share nothing but the batch, so on the CPU each iteration trains them side by
    // side: the same arithmetic in the same order as one after the other, in less wall time on two
    // cores (41 ms an iteration against 29.6 + 22.0 ms at defaults; the two share caches). On a GPU
    // they take turns: one device serialises them anyway.
    const int denoiserThreads = settings.cudaDevice < 0 ? std::clamp(std::min(settings.denoiserThreads, parallelWorkers(2)), 1, 2) : 1;
    // One pass over the iterations for the denoisers named: both side by side (consistency training),
    // or the diffusion model and then its distillation (it needs the trained teacher).
    auto trainPass = [&](bool withConsistency, bool withDiffusion, double progressFrom, double progressSpan, const std::string& what) {
        std::int64_t first = iterations;
        if (withConsistency)
            first = std::min(first, models.consistencyIterations);
        if (withDiffusion)
            first = std::min(first, models.diffusionIterations);
        for (std::int64_t it = first; it < iterations; ++it) {
            if (context.cancelRequested()) {
                if (!settings.keepOnCancel)
                    throw CancelledError();
                record.stoppedEarly = true;
                break;
            }
            const Eigen::Index start = batchStart(it, latents.rows(), batch);
            const Matrix x = latents.middleRows(start, batch);
            // The same labels (and drops) for both denoisers: the batch they share.
            const std::vector<int> labels =
                conditional ? trainingLabels(train.labels, start, batch, models.spec.labelDropout, models.spec.seed, it) : std::vector<int>{};
            consistency.optimiser().setLearningRate(denoiserLearningRate(settings, it, iterations));
            diffusion.optimiser().setLearningRate(denoiserLearningRate(settings, it, iterations));
            Span consistencySpan, diffusionSpan;
            auto trainConsistency = [&] {
                if (!withConsistency || it < models.consistencyIterations)
                    return;
                consistencySpan = timed(recorder, [&] {
                    const StepReport report = consistency.step(x, labels);
                    consistencyLoss += report.loss;
                    discretisation = report.discretisation;
                    if (averaging)
                        consistency.synchronise(false);
                    LatentModels::updateAverage(models.consistencyAverage, models.consistency, models.spec.averageDecay);
                });
            };
            auto trainDiffusion = [&] {
                if (!withDiffusion || it < models.diffusionIterations)
                    return;
                diffusionSpan = timed(recorder, [&] {
                    diffusionLoss += diffusion.step(x, labels).loss;
                    if (averaging)
                        diffusion.synchronise(false);
                    LatentModels::updateAverage(models.diffusionAverage, models.diffusion, models.spec.averageDecay);
                });
            };
            parallelFor(2, denoiserThreads, [&](std::size_t begin, std::size_t end, int) {
                for (std::size_t task = begin; task < end; ++task)
                    task == 0 ? trainConsistency() : trainDiffusion();
            });
            if (consistencySpan.ran()) {
                recorder.addMeasuredStage("consistency training", "cpu", consistencySpan.startUs, consistencySpan.durationUs);
                models.consistencyIterations = it + 1;
            }
            if (diffusionSpan.ran()) {
                recorder.addMeasuredStage("diffusion training", denoiserThreads > 1 ? kSecondThreadLane : "cpu", diffusionSpan.startUs,
                                          diffusionSpan.durationUs);
                models.diffusionIterations = it + 1;
            }
            if (++averaged == 20 || it + 1 == iterations) { // a point per 20 iterations, their mean
                if (withConsistency) {
                    record.consistencyCurves.x.push_back(static_cast<float>(it));
                    record.consistencyCurves.curves[0].values.push_back(static_cast<float>(consistencyLoss / averaged));
                    record.consistencyCurves.curves[1].values.push_back(static_cast<float>(discretisation));
                    curves.offer([&] { return Dataset{"training", record.consistencyCurves}; });
                }
                if (withDiffusion) {
                    record.diffusionCurves.x.push_back(static_cast<float>(it));
                    record.diffusionCurves.curves[0].values.push_back(static_cast<float>(diffusionLoss / averaged));
                    diffusionCurves.offer([&] { return Dataset{"diffusion training", record.diffusionCurves}; });
                }
                consistencyLoss = diffusionLoss = 0;
                averaged = 0;
            }
            if (it % 50 == 0)
                progress(progressFrom, progressSpan, static_cast<double>(it) / iterations,
                         what + " iteration " + std::to_string(it) + " of " + std::to_string(iterations));
        }
    };
    if (!distilling) {
        trainPass(true, true, 0.35, 0.65, "training");
    } else {
        trainPass(false, true, 0.35, 0.3, "diffusion training (the teacher)");
        if (!record.stoppedEarly) {
            diffusion.synchronise(false); // the teacher's weights, where the distillation reads them
            trainPass(true, false, 0.65, 0.35, "distillation");
        }
    }
    consistency.synchronise();
    diffusion.synchronise();
    models.consistencyOptimiser.capture(consistency.optimiser());
    models.diffusionOptimiser.capture(diffusion.optimiser());
    return record;
}

} // namespace ls::consistency
