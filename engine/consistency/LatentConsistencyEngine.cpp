#include "LatentConsistencyEngine.h"

#include "Autoencoder.h"
#include "FashionMnist.h"
#include "FeatureClassifier.h"
#include "FrechetDistance.h"
#include "Sampling.h"
#include "Training.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace ls::consistency {

namespace {

constexpr int kGalleryColumns = 8, kGalleryGap = 2;
constexpr float kSigmaData = 0.5f;

std::string format(const char* pattern, double value)
{
    char text[64];
    std::snprintf(text, sizeof text, pattern, value);
    return text;
}

struct SamplerResult {
    std::string name;
    int evaluations = 0;
    double msPerSample = 0, frechet = 0;
    Matrix latents; // standardised
    Matrix images;
};

// The σ levels a consistency sampler visits after the first step, for `steps` steps in all: the
// inner levels of a Karras grid of steps + 1 levels, with the 2-step level set to `twoStepTau`.
std::vector<double> consistencyTaus(int steps, double twoStepTau)
{
    if (steps <= 1)
        return {};
    if (steps == 2)
        return {twoStepTau};
    auto grid = karrasSigmas(steps + 1);
    std::reverse(grid.begin(), grid.end());
    return std::vector<double>(grid.begin() + 1, grid.end() - 1);
}

// Images [N, 784] of each sampler's first kGalleryColumns samples, one row of the gallery per sampler.
Grid gallery(const std::vector<SamplerResult>& samplers)
{
    const int cell = kImageSide + kGalleryGap;
    Grid grid{static_cast<int>(samplers.size()) * cell, kGalleryColumns * cell, 1, {}, "", "sample (same seeds in every row)",
              "sampler (rows as in the table)"};
    grid.values.assign(static_cast<std::size_t>(grid.height) * grid.width, 1.0f); // white gaps
    grid.showAsImage = true;
    for (std::size_t s = 0; s < samplers.size(); ++s)
        for (int c = 0; c < kGalleryColumns && c < samplers[s].images.rows(); ++c)
            for (int y = 0; y < kImageSide; ++y)
                for (int x = 0; x < kImageSide; ++x)
                    grid.values[static_cast<std::size_t>(static_cast<int>(s) * cell + y) * grid.width + c * cell + x] =
                        1.0f - samplers[s].images(c, y * kImageSide + x); // dark garments on white, as usually shown
    return grid;
}

// Data latents and generated ones in the first three principal axes of the data.
PointCloud latentView(const Matrix& data, const std::vector<std::uint8_t>& labels, const std::vector<SamplerResult>& samplers)
{
    const Eigen::MatrixXd x = data.cast<double>();
    const Eigen::RowVectorXd mean = x.colwise().mean();
    const Eigen::MatrixXd centred = x.rowwise() - mean;
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(centred.transpose() * centred / static_cast<double>(x.rows()));
    const int axes = std::min<int>(3, static_cast<int>(x.cols()));
    const Eigen::MatrixXd basis = solver.eigenvectors().rightCols(axes).rowwise().reverse(); // largest first
    PointCloud cloud;
    std::vector<float> source, label;
    auto add = [&](const Matrix& latents, float sourceId, const std::vector<std::uint8_t>* classes) {
        const Eigen::MatrixXd projected = (latents.cast<double>().rowwise() - mean) * basis;
        for (Eigen::Index r = 0; r < projected.rows(); ++r) {
            for (int a = 0; a < 3; ++a)
                cloud.positions.push_back(a < axes ? static_cast<float>(projected(r, a)) : 0.0f);
            source.push_back(sourceId);
            label.push_back(classes ? static_cast<float>((*classes)[r]) : -1.0f);
        }
    };
    add(data, 0, &labels);
    for (std::size_t s = 0; s < samplers.size(); ++s)
        add(samplers[s].latents, static_cast<float>(s + 1), nullptr);
    cloud.attributes = {{"source (0 data, then samplers as in the table)", 1, std::move(source)}, {"class (data)", 1, std::move(label)}};
    return cloud;
}

} // namespace

std::vector<int> parseStepList(const std::string& text, const std::string& what)
{
    std::vector<int> steps;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        const auto first = item.find_first_not_of(' '), last = item.find_last_not_of(' ');
        if (first == std::string::npos)
            continue;
        item = item.substr(first, last - first + 1);
        std::size_t used = 0;
        int value = 0;
        try {
            value = std::stoi(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != item.size() || value < 1 || value > 1000)
            throw ArgumentError(what + ": '" + item + "' is not a step count from 1 to 1000 (write e.g. 1, 2, 4)");
        steps.push_back(value);
    }
    if (steps.empty())
        throw ArgumentError(what + ": give at least one step count");
    return steps;
}

std::string LatentConsistencyEngine::description() const
{
    return "Consistency models in an autoencoder's latent space on Fashion-MNIST (Debian's dataset-fashion-mnist): 1-, 2- and "
           "N-step sampling against an EDM diffusion sampler on the same network, trained with the improved recipe (Cauchy loss, "
           "early diffusion loss, OT coupling); Fréchet distance vs milliseconds per sample.";
}

ParameterSchema LatentConsistencyEngine::parameterSchema() const
{
    using T = ParameterType;
    return {{
        {.key = "trainImages", .label = "Training images", .type = T::Int, .defaultValue = std::int64_t{16384}, .minimum = 512, .maximum = 60000},
        {.key = "latent", .label = "Latent width", .type = T::Int, .defaultValue = std::int64_t{16}, .minimum = 2, .maximum = 64},
        {.key = "autoencoderSteps", .label = "Autoencoder steps", .type = T::Int, .defaultValue = std::int64_t{1500}, .minimum = 10, .maximum = 100000},
        {.key = "classifierSteps", .label = "Classifier steps", .type = T::Int, .defaultValue = std::int64_t{800}, .minimum = 10, .maximum = 100000,
         .help = "Training of the classifier whose features the Fréchet distances use."},
        {.key = "iterations", .label = "Training iterations", .type = T::Int, .defaultValue = std::int64_t{3000}, .minimum = 10, .maximum = 1000000,
         .help = "Of the consistency model and of the diffusion baseline, each."},
        {.key = "batch", .label = "Batch", .type = T::Int, .defaultValue = std::int64_t{128}, .minimum = 8, .maximum = 1024},
        {.key = "hidden", .label = "Network width", .type = T::Int, .defaultValue = std::int64_t{256}, .minimum = 16, .maximum = 2048},
        {.key = "blocks", .label = "Residual blocks", .type = T::Int, .defaultValue = std::int64_t{3}, .minimum = 0, .maximum = 16},
        {.key = "distance", .label = "Consistency distance", .type = T::Enum, .defaultValue = std::string("cauchy"),
         .help = "cauchy: sLCT's ln(1 + mean(d²)/(2c²)); pseudo-huber: iCT's √(‖d‖² + c²) − c.", .choices = {"cauchy", "pseudo-huber"}},
        {.key = "adaptiveC", .label = "Adaptive c", .type = T::Bool, .defaultValue = true,
         .help = "c = exp(−1.15·ln(N−1) − 0.85) for N steps; off: c = 0.03."},
        {.key = "diffusionLoss", .label = "Early diffusion loss", .type = T::Bool, .defaultValue = true,
         .help = "Adds 5·(1/σ² + 4)·‖f − x₀‖² on the lowest-noise quarter of the indices."},
        {.key = "otCoupling", .label = "OT coupling", .type = T::Bool, .defaultValue = true,
         .help = "Pairs noise with data by an exact assignment in each minibatch."},
        {.key = "consistencySteps", .label = "Consistency steps", .type = T::Enum, .defaultValue = std::string("1, 2, 4"),
         .help = "Sampler step counts; 2 steps use the searched (or given) τ.", .choices = {"1", "1, 2", "1, 2, 4", "1, 2, 4, 8", "1, 2, 3, 4"}},
        {.key = "twoStepTau", .label = "2-step τ", .type = T::Float, .defaultValue = 0.0, .minimum = 0.0, .maximum = 80.0,
         .help = "0: found by ternary search on the Fréchet distance (as the consistency-models authors did)."},
        {.key = "diffusionSteps", .label = "Euler steps", .type = T::Enum, .defaultValue = std::string("10, 20, 50"),
         .help = "Step counts of the diffusion baseline's Euler sampler; the last is the reference for speed-ups.",
         .choices = {"50", "10, 50", "10, 20, 50", "5, 10, 20, 50"}},
        {.key = "samples", .label = "Samples per sampler", .type = T::Int, .defaultValue = std::int64_t{1000}, .minimum = 16, .maximum = 4096},
        {.key = "seed", .label = "Seed", .type = T::Int, .defaultValue = std::int64_t{1}, .minimum = 0, .maximum = 9.0e15},
    }};
}

RunOutput LatentConsistencyEngine::run(const RunInputs&, const ParameterValues& parameters, RunContext& context)
{
    auto& recorder = context.recorder();
    const auto seed = static_cast<std::uint64_t>(intParameter(parameters, "seed"));
    const int batch = static_cast<int>(intParameter(parameters, "batch"));
    const int samples = static_cast<int>(intParameter(parameters, "samples"));
    const std::int64_t iterations = intParameter(parameters, "iterations");
    const auto consistencySteps = parseStepList(stringParameter(parameters, "consistencySteps"), "consistencySteps");
    const auto diffusionSteps = parseStepList(stringParameter(parameters, "diffusionSteps"), "diffusionSteps");
    // Progress: share of the run each phase takes, roughly by its cost.
    auto progress = [&](double from, double span, double done, const std::string& message) { context.progress(from + span * done, message); };

    ImageSet train, test;
    {
        auto stage = recorder.stage("load");
        train = loadFashionMnist(Split::Train, static_cast<std::size_t>(intParameter(parameters, "trainImages")));
        test = loadFashionMnist(Split::Test, static_cast<std::size_t>(samples));
    }
    const Eigen::Map<const Matrix> images(train.pixels.data(), static_cast<Eigen::Index>(train.size()), kImagePixels);
    const Eigen::Map<const Matrix> testImages(test.pixels.data(), static_cast<Eigen::Index>(test.size()), kImagePixels);
    auto batchStart = [&](std::int64_t step, Eigen::Index rows, int size) {
        return static_cast<Eigen::Index>((step * size) % std::max<Eigen::Index>(1, rows - size));
    };

    FeatureClassifier classifier(seed);
    double accuracy = 0;
    {
        auto stage = recorder.stage("classifier");
        Adam adam(classifier.parameters(), 1e-3f);
        const std::int64_t steps = intParameter(parameters, "classifierSteps");
        for (std::int64_t step = 0; step < steps; ++step) {
            context.throwIfCancelled();
            const Eigen::Index start = batchStart(step, images.rows(), batch);
            classifier.trainStep(images.middleRows(start, batch),
                                 std::vector<std::uint8_t>(train.labels.begin() + start, train.labels.begin() + start + batch), adam);
            if (step % 50 == 0)
                progress(0.0, 0.1, static_cast<double>(step) / steps, "classifier step " + std::to_string(step));
        }
        accuracy = classifier.accuracy(testImages, test.labels);
    }

    AutoencoderSpec vaeSpec;
    vaeSpec.latent = static_cast<int>(intParameter(parameters, "latent"));
    vaeSpec.seed = seed;
    Autoencoder vae(vaeSpec);
    Series vaeCurve{"step", {}, {{"loss (BCE + KL per image)", 1, {}}}, SeriesStyle::Lines, {}};
    {
        auto stage = recorder.stage("autoencoder");
        Adam adam(vae.parameters(), 1e-3f);
        const std::int64_t steps = intParameter(parameters, "autoencoderSteps");
        for (std::int64_t step = 0; step < steps; ++step) {
            context.throwIfCancelled();
            const AutoencoderLoss loss = vae.trainStep(images.middleRows(batchStart(step, images.rows(), batch), batch), adam, seed + step);
            if (step % 10 == 0) {
                vaeCurve.x.push_back(static_cast<float>(step));
                vaeCurve.curves[0].values.push_back(static_cast<float>(loss.reconstruction + loss.kl));
            }
            if (step % 50 == 0)
                progress(0.1, 0.2, static_cast<double>(step) / steps, "autoencoder step " + std::to_string(step));
        }
    }
    Matrix latents;
    LatentStatistics stats;
    {
        auto stage = recorder.stage("latents");
        const Matrix raw = vae.encodeMean(images);
        stats = latentStatistics(raw);
        latents = standardiseLatents(raw, stats, kSigmaData);
    }

    DenoiserSpec spec;
    spec.latent = vaeSpec.latent;
    spec.hidden = static_cast<int>(intParameter(parameters, "hidden"));
    spec.blocks = static_cast<int>(intParameter(parameters, "blocks"));
    spec.seed = seed;
    Denoiser consistency(spec, Parameterisation::Consistency), diffusion(spec, Parameterisation::Diffusion);
    ConsistencyRecipe recipe;
    recipe.distance = stringParameter(parameters, "distance") == "pseudo-huber" ? Distance::PseudoHuber : Distance::Cauchy;
    recipe.adaptiveC = boolParameter(parameters, "adaptiveC");
    recipe.diffusionLoss = boolParameter(parameters, "diffusionLoss");
    recipe.otCoupling = boolParameter(parameters, "otCoupling");
    Series trainingCurves{"iteration", {}, {{"consistency loss", 1, {}}, {"diffusion loss", 1, {}}, {"discretisation N", 1, {}}},
                          SeriesStyle::Lines, {}};
    {
        ConsistencyTrainer ct(consistency, recipe, iterations, 1e-3f, seed);
        DiffusionTrainer dt(diffusion, 1e-3f, seed);
        double consistencyLoss = 0, diffusionLoss = 0;
        int averaged = 0, discretisation = 0;
        for (std::int64_t it = 0; it < iterations; ++it) {
            context.throwIfCancelled();
            const Matrix x = latents.middleRows(batchStart(it, latents.rows(), batch), batch);
            {
                auto stage = recorder.stage("consistency training");
                const StepReport report = ct.step(x);
                consistencyLoss += report.loss;
                discretisation = report.discretisation;
            }
            {
                auto stage = recorder.stage("diffusion training");
                diffusionLoss += dt.step(x).loss;
            }
            if (++averaged == 20 || it + 1 == iterations) { // a point per 20 iterations, their mean
                trainingCurves.x.push_back(static_cast<float>(it));
                trainingCurves.curves[0].values.push_back(static_cast<float>(consistencyLoss / averaged));
                trainingCurves.curves[1].values.push_back(static_cast<float>(diffusionLoss / averaged));
                trainingCurves.curves[2].values.push_back(static_cast<float>(discretisation));
                consistencyLoss = diffusionLoss = 0;
                averaged = 0;
            }
            if (it % 50 == 0)
                progress(0.3, 0.55, static_cast<double>(it) / iterations, "training iteration " + std::to_string(it));
        }
    }

    const FeatureGaussian data = fitGaussian(classifier.features(testImages));
    auto decode = [&](const Matrix& standardised) { return vae.decode(unstandardiseLatents(standardised, stats, kSigmaData)); };
    auto frechetOf = [&](const Matrix& decoded) { return frechetDistance(fitGaussian(classifier.features(decoded)), data); };

    double twoStepTau = floatParameter(parameters, "twoStepTau");
    if (twoStepTau <= 0 && std::find(consistencySteps.begin(), consistencySteps.end(), 2) != consistencySteps.end()) {
        // Ternary search over ln τ on the Fréchet distance of half the samples (unimodal in practice).
        auto stage = recorder.stage("2-step τ search");
        const int probe = std::max(64, samples / 2);
        double low = std::log(0.02), high = std::log(20.0);
        auto cost = [&](double logTau) { return frechetOf(decode(sampleConsistency(consistency, probe, {std::exp(logTau)}, seed + 7))); };
        for (int round = 0; round < 8; ++round) {
            context.throwIfCancelled();
            const double a = low + (high - low) / 3, b = high - (high - low) / 3;
            if (cost(a) < cost(b))
                high = b;
            else
                low = a;
        }
        twoStepTau = std::exp(0.5 * (low + high));
    }
    if (twoStepTau <= 0)
        twoStepTau = 0.8;

    std::vector<SamplerResult> samplers;
    auto timeSampler = [&](const std::string& name, int evaluations, const std::function<Matrix()>& sample) {
        context.throwIfCancelled();
        SamplerResult result{name, evaluations, 0, 0, {}, {}};
        {
            auto stage = recorder.stage("sample: " + name);
            const double start = recorder.nowUs();
            result.latents = sample();
            result.msPerSample = (recorder.nowUs() - start) / 1000.0 / samples;
        }
        {
            auto stage = recorder.stage("decode");
            result.images = decode(result.latents);
        }
        {
            auto stage = recorder.stage("evaluate");
            result.frechet = frechetOf(result.images);
        }
        samplers.push_back(std::move(result));
        progress(0.85, 0.15, static_cast<double>(samplers.size()) / (consistencySteps.size() + diffusionSteps.size()), "sampled " + name);
    };
    for (const int steps : consistencySteps)
        timeSampler(std::to_string(steps) + "-step consistency", steps,
                    [&] { return sampleConsistency(consistency, samples, consistencyTaus(steps, twoStepTau), seed + 1); });
    for (const int steps : diffusionSteps)
        timeSampler(std::to_string(steps) + "-step Euler (diffusion)", steps, [&] { return sampleDiffusion(diffusion, samples, steps, false, seed + 1); });

    RunOutput output;
    {
        auto stage = recorder.stage("outputs");
        const double baselineMs = samplers.back().msPerSample; // the slowest (most-step) Euler is the reference
        Table table{{"sampler", "network evaluations", "ms per sample", "Fréchet distance", "faster than " + samplers.back().name}, {}};
        Series frontier{"ms per sample (CPU)", {}, {{"Fréchet distance", 1, {}}}, SeriesStyle::Lines, {}};
        std::vector<std::size_t> byLatency(samplers.size());
        for (std::size_t i = 0; i < samplers.size(); ++i) {
            byLatency[i] = i;
            const auto& s = samplers[i];
            table.rows.push_back({s.name, std::to_string(s.evaluations), format("%.4f", s.msPerSample), format("%.2f", s.frechet),
                                  format("%.1f×", baselineMs / s.msPerSample)});
        }
        std::sort(byLatency.begin(), byLatency.end(), [&](auto a, auto b) { return samplers[a].msPerSample < samplers[b].msPerSample; });
        for (const std::size_t i : byLatency) {
            frontier.x.push_back(static_cast<float>(samplers[i].msPerSample));
            frontier.curves[0].values.push_back(static_cast<float>(samplers[i].frechet));
        }
        Table model{{"quantity", "value"}, {}};
        model.rows = {{"feature classifier (784-256-128-10 MLP) test accuracy", format("%.3f", accuracy)},
                      {"autoencoder held-out reconstruction (BCE per image)", format("%.1f", vae.reconstructionLoss(testImages))},
                      {"Fréchet distance of reconstructions (the autoencoder's floor)", format("%.2f", frechetOf(vae.decode(vae.encodeMean(testImages))))},
                      {"latent mean excess kurtosis (0 for a Gaussian)", format("%.2f", stats.meanExcessKurtosis())},
                      {"latent max excess kurtosis", format("%.2f", *std::max_element(stats.excessKurtosis.begin(), stats.excessKurtosis.end()))},
                      {"latent values beyond 4σ", format("%.4f", stats.outlierFraction)},
                      {"2-step τ", format("%.3f", twoStepTau) + (floatParameter(parameters, "twoStepTau") > 0 ? " (given)" : " (ternary search)")},
                      {"recipe", std::string(recipe.distance == Distance::Cauchy ? "Cauchy" : "pseudo-Huber") + (recipe.adaptiveC ? ", adaptive c" : ", c = 0.03") +
                                     (recipe.diffusionLoss ? ", diffusion loss" : "") + (recipe.otCoupling ? ", OT coupling" : "")}};
        output.datasets.push_back({"latents", latentView(latents.topRows(std::min<Eigen::Index>(latents.rows(), samples)), train.labels, samplers)});
        output.datasets.push_back({"gallery", gallery(samplers)});
        output.datasets.push_back({"samplers", std::move(table)});
        output.datasets.push_back({"quality vs latency", std::move(frontier)});
        output.datasets.push_back({"training", std::move(trainingCurves)});
        output.datasets.push_back({"autoencoder training", std::move(vaeCurve)});
        output.datasets.push_back({"model", std::move(model)});
    }
    context.progress(1.0, "done");
    return output;
}

std::vector<ReportSection> LatentConsistencyEngine::reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const
{
    ReportSection section{"Latent consistency sampling", {}};
    for (const auto& dataset : datasets) {
        if (const auto* table = std::get_if<Table>(&dataset.content))
            section.blocks.push_back(*table);
        else if (const auto* series = std::get_if<Series>(&dataset.content); series && dataset.name == "quality vs latency")
            section.blocks.push_back(ReportPlot{"Fréchet distance against milliseconds per sample", *series});
    }
    return section.blocks.empty() ? std::vector<ReportSection>{} : std::vector<ReportSection>{section};
}

} // namespace ls::consistency
