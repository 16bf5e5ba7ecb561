#include "SamplerComparison.h"

#include "FeatureNetwork.h"
#include "Sampling.h"
#if LS_HAS_CUDA
#include "DenoiserCuda.h"
#endif

#include <algorithm>
#include <cmath>
#include <optional>

namespace ls::consistency {

std::vector<double> consistencyTaus(int steps, double twoStepTau, const std::vector<double>& laterTaus)
{
    if (steps <= 1)
        return {};
    if (steps == 2)
        return {twoStepTau};
    if (laterTaus.size() >= static_cast<std::size_t>(steps - 2)) {
        std::vector<double> taus{twoStepTau};
        taus.insert(taus.end(), laterTaus.begin(), laterTaus.begin() + (steps - 2));
        return taus;
    }
    auto grid = karrasSigmas(steps + 1);
    std::reverse(grid.begin(), grid.end());
    return std::vector<double>(grid.begin() + 1, grid.end() - 1);
}

ImageSet referenceImages()
{
    return loadFashionMnist(Split::Test);
}

QualityJudge::QualityJudge(const ImageSet& reference)
    : network_(bundledFeatureNetwork()), dataFeatures_(network_.features(pixelMatrix(reference))), data_(fitGaussian(dataFeatures_))
{
}

SampleQuality QualityJudge::assess(const Matrix& images) const
{
    const Matrix features = network_.features(images);
    const Eigen::Index equal = std::min(dataFeatures_.rows(), features.rows());
    return {frechetDistance(fitGaussian(features), data_), precisionRecall(dataFeatures_.topRows(equal), features)};
}

double QualityJudge::operator()(const Matrix& images) const
{
    return frechetDistance(fitGaussian(network_.features(images)), data_);
}

namespace {
constexpr double kLowestTau = 0.02, kHighestTau = 20.0; // the τ searches' bounds
constexpr int kSearchRounds = 8;

// Ternary search of ln τ in [ln low, ln high] for the sampler visiting `before` and then τ.
double searchNextTau(LatentModels& models, const QualityJudge& judge, int probe, std::uint64_t seed, const std::vector<double>& before,
                     double lowTau, double highTau, RunContext& context)
{
    double low = std::log(lowTau), high = std::log(highTau);
    Denoiser sampler = models.samplingConsistency();
    auto cost = [&](double logTau) {
        std::vector<double> taus = before;
        taus.push_back(std::exp(logTau));
        return judge(models.decode(sampleConsistency(sampler, probe, taus, seed + 7)));
    };
    for (int round = 0; round < kSearchRounds; ++round) {
        context.throwIfCancelled();
        const double a = low + (high - low) / 3, b = high - (high - low) / 3;
        if (cost(a) < cost(b))
            high = b;
        else
            low = a;
    }
    return std::exp(0.5 * (low + high));
}
} // namespace

double searchTwoStepTau(LatentModels& models, const QualityJudge& judge, int probe, std::uint64_t seed, RunContext& context)
{
    auto stage = context.recorder().stage("2-step tau search"); // stage names stay ASCII (the overlay font, trace tools)
    return searchNextTau(models, judge, probe, seed, {}, kLowestTau, kHighestTau, context);
}

std::vector<double> searchLaterTaus(LatentModels& models, const QualityJudge& judge, int probe, std::uint64_t seed, double twoStepTau,
                                    int steps, RunContext& context)
{
    auto stage = context.recorder().stage("N-step tau search");
    std::vector<double> taus{twoStepTau};
    for (int step = 3; step <= steps; ++step) // strictly below the level before (the bracket's midpoint is inside it)
        taus.push_back(searchNextTau(models, judge, probe, seed, taus, std::min(kLowestTau, 0.5 * taus.back()), taus.back(), context));
    return {taus.begin() + 1, taus.end()};
}

std::vector<SamplerResult> compareSamplers(LatentModels& models, const QualityJudge& judge, ComparisonSettings& settings,
                                           RunContext& context, double progressFrom)
{
    auto& recorder = context.recorder();
    const int samples = settings.samples;
    const int mostSteps = settings.consistencySteps.empty() ? 0 : *std::max_element(settings.consistencySteps.begin(), settings.consistencySteps.end());
    const int probe = std::max(64, samples / 2);
    if (settings.twoStepTau <= 0 && models.twoStepTau <= 0 && mostSteps >= 2) {
        context.progress(progressFrom, "searching the 2-step tau");
        models.twoStepTau = searchTwoStepTau(models, judge, probe, settings.seed, context);
    }
    if (settings.twoStepTau <= 0)
        settings.twoStepTau = models.twoStepTau > 0 ? models.twoStepTau : 0.8;
    // The later levels belong to the 2-step τ they were searched after: a given τ searches its own.
    const bool modelsTau = settings.twoStepTau == models.twoStepTau;
    if (modelsTau && models.laterTaus.size() >= static_cast<std::size_t>(std::max(0, mostSteps - 2)))
        settings.laterTaus = models.laterTaus;
    else if (mostSteps > 2) {
        context.progress(progressFrom, "searching the noise levels of " + std::to_string(mostSteps) + "-step sampling");
        settings.laterTaus = searchLaterTaus(models, judge, probe, settings.seed, settings.twoStepTau, mostSteps, context);
        if (modelsTau)
            models.laterTaus = settings.laterTaus;
    }

    Denoiser consistency = models.samplingConsistency(), diffusion = models.samplingDiffusion();
    const bool conditional = models.spec.classes > 0;
    if (!conditional && (settings.sampleClass >= 0 || settings.guidance != 1.0))
        throw ArgumentError("sampleClass and guidance: the checkpoint's models are unconditional (train with classConditional on)");
    // Labels for a batch of `count`: the same function of the row index whatever the batch, so the
    // first rows of a larger batch are the same samples.
    auto labelsFor = [&](int count) { return conditional ? sampleLabels(count, models.spec.classes, settings.sampleClass) : std::vector<int>{}; };
    std::vector<SamplerResult> results;
    const std::size_t total = settings.consistencySteps.size() + settings.diffusionSteps.size() * (settings.heun ? 2 : 1);
    // `sample(count, seed, estimates)`: the first rows of a larger batch draw the same noise, so the
    // trajectories (recorded apart, untimed) are those of the first samples.
    using Sampler = std::function<Matrix(int, std::uint64_t, std::vector<Matrix>*)>;
    const std::uint64_t firstSeed = settings.seed + 1;
    auto runSampler = [&](const std::string& name, int evaluations, const Sampler& sample) {
        context.throwIfCancelled();
        SamplerResult result;
        result.name = name;
        result.evaluations = evaluations;
        {
            auto stage = recorder.stage("sample: " + name);
            result.latents = sample(samples, firstSeed, nullptr);
        }
        {
            auto stage = recorder.stage("trajectories");
            sample(std::min(kTrajectorySamples, samples), firstSeed, &result.trajectory);
        }
        {
            auto stage = recorder.stage("decode");
            result.images = models.decode(result.latents);
        }
        {
            auto stage = recorder.stage("evaluate");
            const SampleQuality quality = judge.assess(result.images);
            result.frechetBySeed.push_back(quality.frechet);
            result.coverage = quality.coverage;
        }
        // Further evaluation seeds: the spread between draws is as large as many effects compared.
        for (int k = 1; k < settings.evaluationSeeds; ++k) {
            context.throwIfCancelled();
            auto stage = recorder.stage("evaluation seeds");
            result.frechetBySeed.push_back(judge(models.decode(sample(samples, firstSeed + 7919ull * static_cast<std::uint64_t>(k), nullptr))));
        }
        double sum = 0;
        for (const double value : result.frechetBySeed)
            sum += value;
        result.frechet = sum / static_cast<double>(result.frechetBySeed.size());
        result.frechetHalfWidth = meanHalfWidth95(result.frechetBySeed);
        // Latency: warm-up calls, then repeats, each a stage of its own so the latency view shows
        // their percentiles; the speed-ups come from medians, not from one timed batch.
        for (const int batch : settings.latencyBatches) {
            const std::string stageName = "latency: " + name + ", batch " + std::to_string(batch);
            for (int w = 0; w < settings.latencyWarmup; ++w)
                sample(batch, firstSeed, nullptr);
            std::vector<double> ms;
            for (int r = 0; r < settings.latencyRepeats; ++r) {
                context.throwIfCancelled();
                const double start = recorder.nowUs();
                {
                    auto stage = recorder.stage(stageName);
                    sample(batch, firstSeed + static_cast<std::uint64_t>(r), nullptr);
                }
                ms.push_back((recorder.nowUs() - start) / 1000.0);
            }
            result.latency.push_back({batch, computeStats(ms)});
        }
        if (!result.latency.empty())
            result.msPerSample = result.latency.back().ms.median / result.latency.back().batch;
        results.push_back(std::move(result));
        context.progress(progressFrom + (1 - progressFrom) * static_cast<double>(results.size()) / total, "sampled " + name);
    };
    // On a GPU the timed batch is sampled there (same noise, same function); the few trajectory
    // rows stay on the CPU.
    const bool onGpu = context.device().isCuda() && !conditional; // the GPU kernels have no class embedding
#if LS_HAS_CUDA
    std::optional<DenoiserCuda> consistencyGpu, diffusionGpu;
    if (onGpu) {
        consistencyGpu.emplace(consistency, context.device().index);
        diffusionGpu.emplace(diffusion, context.device().index);
    }
#endif
    auto sampleConsistencyOn = [&](int count, const std::vector<double>& taus, std::uint64_t seed, std::vector<Matrix>* estimates) {
#if LS_HAS_CUDA
        if (onGpu && !estimates)
            return consistencyGpu->sampleConsistency(count, taus, seed, &recorder);
#endif
        return sampleConsistency(consistency, count, taus, seed, labelsFor(count), estimates, settings.guidance);
    };
    auto sampleDiffusionOn = [&](int count, int steps, bool heun, std::uint64_t seed, std::vector<Matrix>* estimates) {
#if LS_HAS_CUDA
        if (onGpu && !estimates)
            return diffusionGpu->sampleDiffusion(count, steps, heun, seed, &recorder);
#endif
        return sampleDiffusion(diffusion, count, steps, heun, seed, labelsFor(count), estimates, settings.guidance);
    };
    for (const int steps : settings.consistencySteps)
        runSampler(std::to_string(steps) + "-step consistency", steps, [&](int count, std::uint64_t seed, std::vector<Matrix>* estimates) {
            return sampleConsistencyOn(count, consistencyTaus(steps, settings.twoStepTau, settings.laterTaus), seed, estimates);
        });
    for (const int steps : settings.diffusionSteps)
        runSampler(std::to_string(steps) + "-step Euler (diffusion)", steps,
                   [&](int count, std::uint64_t seed, std::vector<Matrix>* estimates) { return sampleDiffusionOn(count, steps, false, seed, estimates); });
    for (const int steps : settings.heun ? settings.diffusionSteps : std::vector<int>{})
        runSampler(std::to_string(steps) + "-step Heun (diffusion)", 2 * steps - 1,
                   [&](int count, std::uint64_t seed, std::vector<Matrix>* estimates) { return sampleDiffusionOn(count, steps, true, seed, estimates); });
    return results;
}

std::vector<GuidanceResult> compareGuidance(LatentModels& models, const QualityJudge& judge, const ComparisonSettings& settings,
                                            RunContext& context)
{
    std::vector<GuidanceResult> results;
    if (models.spec.classes <= 0)
        return results;
    auto stage = context.recorder().stage("guidance");
    Denoiser consistency = models.samplingConsistency(), diffusion = models.samplingDiffusion();
    const std::vector<int> labels = sampleLabels(settings.samples, models.spec.classes, -1);
    using Draw = std::function<Matrix(std::uint64_t seed, double scale)>;
    auto measure = [&](const std::string& sampler, const Draw& draw) {
        for (const double scale : settings.guidanceScales) {
            context.throwIfCancelled();
            GuidanceResult result{sampler, scale, 0, 0, {}};
            std::vector<double> distances;
            for (int k = 0; k < settings.evaluationSeeds; ++k) {
                const Matrix images = models.decode(draw(settings.seed + 1 + 7919ull * static_cast<std::uint64_t>(k), scale));
                if (k == 0) {
                    const SampleQuality quality = judge.assess(images);
                    distances.push_back(quality.frechet);
                    result.coverage = quality.coverage;
                } else {
                    distances.push_back(judge(images));
                }
            }
            double sum = 0;
            for (const double value : distances)
                sum += value;
            result.frechet = sum / static_cast<double>(distances.size());
            result.frechetHalfWidth = meanHalfWidth95(distances);
            results.push_back(result);
        }
    };
    for (const int steps : settings.consistencySteps)
        measure(std::to_string(steps) + "-step consistency", [&](std::uint64_t seed, double scale) {
            return sampleConsistency(consistency, settings.samples, consistencyTaus(steps, settings.twoStepTau, settings.laterTaus), seed,
                                     labels, nullptr, scale);
        });
    if (!settings.diffusionSteps.empty()) {
        const int steps = settings.diffusionSteps.back();
        measure(std::to_string(steps) + "-step Euler (diffusion)", [&](std::uint64_t seed, double scale) {
            return sampleDiffusion(diffusion, settings.samples, steps, false, seed, labels, nullptr, scale);
        });
    }
    return results;
}

Matrix classSamples(LatentModels& models, const ComparisonSettings& settings, int columns)
{
    const int classes = models.spec.classes;
    if (classes <= 0)
        throw ArgumentError("class samples need a class-conditional model");
    const int steps = settings.consistencySteps.empty() ? 1 : *std::min_element(settings.consistencySteps.begin(), settings.consistencySteps.end());
    Denoiser consistency = models.samplingConsistency();
    // Row k·columns + c: class k from noise c (each class drawn from the same seed, so a column
    // shares its noise and only the class differs).
    Matrix images(classes * columns, kImagePixels);
    for (int k = 0; k < classes; ++k) {
        const std::vector<int> rowLabels(static_cast<std::size_t>(columns), k);
        images.middleRows(k * columns, columns) =
            models.decode(sampleConsistency(consistency, columns, consistencyTaus(steps, settings.twoStepTau, settings.laterTaus),
                                            settings.seed + 1, rowLabels, nullptr, settings.guidance));
    }
    return images;
}

} // namespace ls::consistency
