#include "LatentOutputs.h"

#include "FashionMnist.h"
#include "FeatureNetwork.h"
#include "LatentTraining.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ls::consistency {

namespace {

constexpr int kGap = 2;

std::string format(const char* pattern, double value)
{
    char text[64];
    std::snprintf(text, sizeof text, pattern, value);
    return text;
}

void paint(Grid& grid, const Matrix& images, Eigen::Index image, int row, int column)
{
    const int cell = kImageSide + kGap;
    for (int y = 0; y < kImageSide; ++y)
        for (int x = 0; x < kImageSide; ++x)
            grid.values[static_cast<std::size_t>(row * cell + y) * grid.width + column * cell + x] = 1.0f - images(image, y * kImageSide + x);
}

} // namespace

Grid imageGallery(const Matrix& images, int columns, const std::string& rowsLabel)
{
    const int cell = kImageSide + kGap;
    const int count = static_cast<int>(images.rows());
    const int rows = std::max(1, (count + columns - 1) / columns);
    Grid grid{rows * cell, std::min(columns, std::max(count, 1)) * cell, 1, {}, "", "sample", rowsLabel};
    grid.values.assign(static_cast<std::size_t>(grid.height) * grid.width, 1.0f); // white gaps
    grid.showAsImage = true;
    for (int i = 0; i < count; ++i)
        paint(grid, images, i, i / columns, i % columns);
    return grid;
}

Grid samplerGallery(const std::vector<SamplerResult>& samplers, int columns)
{
    const int cell = kImageSide + kGap;
    Grid grid{static_cast<int>(samplers.size()) * cell, columns * cell, 1, {}, "", "sample (same seeds in every row)",
              "sampler (rows as in the table)"};
    grid.values.assign(static_cast<std::size_t>(grid.height) * grid.width, 1.0f);
    grid.showAsImage = true;
    for (std::size_t s = 0; s < samplers.size(); ++s)
        for (int c = 0; c < columns && c < samplers[s].images.rows(); ++c)
            paint(grid, samplers[s].images, c, static_cast<int>(s), c);
    return grid;
}

PointCloud latentView(const Matrix& data, const std::vector<std::uint8_t>& labels, const std::vector<SamplerResult>& samplers)
{
    const Eigen::MatrixXd x = data.cast<double>();
    const Eigen::RowVectorXd mean = x.colwise().mean();
    const Eigen::MatrixXd centred = x.rowwise() - mean;
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(centred.transpose() * centred / static_cast<double>(x.rows()));
    const int axes = std::min<int>(3, static_cast<int>(x.cols()));
    const Eigen::MatrixXd basis = solver.eigenvectors().rightCols(axes).rowwise().reverse(); // largest first
    PointCloud cloud;
    std::vector<float> source, label, evaluation;
    auto add = [&](const Matrix& latents, float sourceId, const std::vector<std::uint8_t>* classes, float step) {
        const Eigen::MatrixXd projected = (latents.cast<double>().rowwise() - mean) * basis;
        for (Eigen::Index r = 0; r < projected.rows(); ++r) {
            for (int a = 0; a < 3; ++a)
                cloud.positions.push_back(a < axes ? static_cast<float>(projected(r, a)) : 0.0f);
            source.push_back(sourceId);
            label.push_back(classes && static_cast<std::size_t>(r) < classes->size() ? static_cast<float>((*classes)[r]) : -1.0f);
            evaluation.push_back(step);
        }
    };
    add(data, 0, &labels, -1);
    for (std::size_t s = 0; s < samplers.size(); ++s) {
        add(samplers[s].latents, static_cast<float>(s + 1), nullptr, -1);
        for (std::size_t k = 0; k < samplers[s].trajectory.size(); ++k) // the trajectories, tagged by evaluation
            add(samplers[s].trajectory[k], static_cast<float>(s + 1), nullptr, static_cast<float>(k + 1));
    }
    cloud.attributes = {{"source (0 data, then samplers as in the table)", 1, std::move(source)},
                        {"class (data)", 1, std::move(label)},
                        {"trajectory: network evaluation (first samples; −1 not on one)", 1, std::move(evaluation)}};
    return cloud;
}

Table samplersTable(const std::vector<SamplerResult>& samplers)
{
    // The most-step Euler sampler (the last Euler one) is the reference; Heun rows may follow it.
    const auto euler = std::find_if(samplers.rbegin(), samplers.rend(), [](const auto& s) { return s.name.find("Euler") != std::string::npos; });
    const SamplerResult& reference = euler != samplers.rend() ? *euler : samplers.back();
    // ms per sample: the median call at the largest latency batch over that batch (the latency table
    // has each batch); the distance: the mean over evaluation seeds, with its 95 % t-interval.
    Table table{{"sampler", "network evaluations", "ms per sample", "Fréchet distance", "Fréchet distance 95 % half-width",
                 "evaluation seeds", "faster than " + reference.name,
                 "Fréchet distance / " + reference.name + "'s", "ms per network evaluation", "precision (k = 3)", "recall (k = 3)"},
                {}};
    for (const auto& s : samplers)
        table.rows.push_back({s.name, std::to_string(s.evaluations), format("%.4f", s.msPerSample), format("%.2f", s.frechet),
                              format("%.2f", s.frechetHalfWidth), std::to_string(s.frechetBySeed.size()), format("%.1f×", reference.msPerSample / s.msPerSample),
                              format("%.2f", s.frechet / reference.frechet), format("%.4f", s.msPerSample / std::max(1, s.evaluations)),
                              format("%.3f", s.coverage.precision), format("%.3f", s.coverage.recall)});
    return table;
}

Table samplerLatencyTable(const std::vector<SamplerResult>& samplers)
{
    Table table{{"sampler", "batch", "timed calls", "median ms", "p90 ms", "p99 ms", "min ms", "max ms", "ms per sample (median)"}, {}};
    for (const auto& s : samplers)
        for (const BatchLatency& latency : s.latency)
            table.rows.push_back({s.name, std::to_string(latency.batch), std::to_string(latency.ms.count), format("%.4f", latency.ms.median),
                                  format("%.4f", latency.ms.p90), format("%.4f", latency.ms.p99), format("%.4f", latency.ms.min),
                                  format("%.4f", latency.ms.max), format("%.5f", latency.ms.median / std::max(1, latency.batch))});
    return table;
}

namespace {
// "1-step consistency" → "1-step CM", "50-step Euler (diffusion)" → "Euler 50": short enough to sit
// under the frontier's points.
std::string shortName(const SamplerResult& s)
{
    if (s.name.find("Euler") != std::string::npos)
        return "Euler " + std::to_string(s.evaluations);
    if (s.name.find("Heun") != std::string::npos)
        return "Heun " + s.name.substr(0, s.name.find('-'));
    return std::to_string(s.evaluations) + "-step CM";
}
} // namespace

Series qualityVersusLatency(const std::vector<SamplerResult>& samplers)
{
    std::vector<std::size_t> order(samplers.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return samplers[a].msPerSample < samplers[b].msPerSample; });
    // Latency spans two decades from 1-step consistency to 50-step Euler: a log axis keeps the
    // points apart, each labelled with its sampler.
    Series frontier{"log₁₀ ms per sample on the run's device (the samplers table has the values)", {}, {{"Fréchet distance", 1, {}}}, SeriesStyle::Lines, {}};
    for (const std::size_t i : order) {
        frontier.x.push_back(static_cast<float>(std::log10(std::max(samplers[i].msPerSample, 1e-6))));
        frontier.curves[0].values.push_back(static_cast<float>(samplers[i].frechet));
        frontier.xTicks.push_back(shortName(samplers[i]));
    }
    return frontier;
}

namespace {
std::string laterTauText(const std::vector<double>& taus)
{
    if (taus.empty())
        return "not searched (a Karras grid's inner levels)";
    std::string text;
    for (double tau : taus)
        text += (text.empty() ? "" : ", ") + format("%.3f", tau);
    return text + " (greedy ternary search)";
}
} // namespace

Table modelTable(LatentModels& models, const Matrix& testImages, const QualityJudge& judge, const std::string& tauSource)
{
    const LatentStatistics& stats = models.latentStatistics;
    Table table{{"quantity", "value"}, {}};
    table.rows = {
        {"feature network of the distances (bundled, fixed)", featureNetworkLabel()},
        {"autoencoder held-out reconstruction (BCE per image)", format("%.1f", models.autoencoder.reconstructionLoss(testImages))},
        {"Fréchet distance of reconstructions (the autoencoder's floor)",
         format("%.2f", judge(models.autoencoder.decode(models.autoencoder.encodeMean(testImages))))},
        {"latent mean excess kurtosis (0 for a Gaussian)", format("%.2f", stats.meanExcessKurtosis())},
        {"latent max excess kurtosis", format("%.2f", *std::max_element(stats.excessKurtosis.begin(), stats.excessKurtosis.end()))},
        {"latent values beyond 4σ", format("%.4f", stats.outlierFraction)},
        {"2-step τ", models.twoStepTau > 0 ? format("%.3f", models.twoStepTau) + " (" + tauSource + ")" : "not searched"},
        {"3-, 4- … step levels after τ", laterTauText(models.laterTaus)},
        {"recipe", models.recipeText()},
        {"sampling weights", models.consistencyAverage.empty() ? std::string("raw (no moving average)")
                                                               : format("moving average, decay %.4g", models.spec.averageDecay)},
        {"trained", std::to_string(models.consistencyIterations) + " of " + std::to_string(models.plannedIterations) +
                        " iterations (consistency), " + std::to_string(models.diffusionIterations) + " (diffusion); autoencoder " +
                        std::to_string(models.autoencoderSteps) +
                        (models.cosineRate ? "; learning rate: cosine to 0" : "; learning rate: constant")},
    };
    return table;
}

} // namespace ls::consistency

namespace ls::consistency {

std::vector<Dataset> comparisonDatasets(LatentModels& models, const std::vector<SamplerResult>& samplers, const ImageSet& test,
                                        const QualityJudge& judge, const std::string& tauSource)
{
    const auto testImages = pixelMatrix(test);
    return {{"latents", latentView(models.encode(testImages), test.labels, samplers)},
            {"gallery", samplerGallery(samplers)},
            {"samplers", samplersTable(samplers)},
            {"sampler latency", samplerLatencyTable(samplers)},
            {"quality vs latency", qualityVersusLatency(samplers)},
            {"model", modelTable(models, testImages, judge, tauSource)}};
}

std::vector<Dataset> conditionalDatasets(LatentModels& models, const QualityJudge& judge, const ComparisonSettings& settings,
                                         RunContext& context)
{
    if (models.spec.classes <= 0)
        return {};
    constexpr int kColumns = 8;
    const std::vector<GuidanceResult> guided = compareGuidance(models, judge, settings, context);
    auto stage = context.recorder().stage("class samples");
    const int steps = settings.consistencySteps.empty() ? 1 : *std::min_element(settings.consistencySteps.begin(), settings.consistencySteps.end());
    Grid classes = imageGallery(classSamples(models, settings, kColumns), kColumns,
                                "class 0 … 9 (T-shirt/top … ankle boot), " + std::to_string(steps) + "-step consistency, guidance " +
                                    format("%.2g", settings.guidance));
    Table table{{"sampler", "guidance scale", "Fréchet distance", "Fréchet distance 95 % half-width", "evaluation seeds", "precision (k = 3)",
                 "recall (k = 3)"},
                {}};
    for (const GuidanceResult& g : guided)
        table.rows.push_back({g.sampler, format("%.2g", g.scale), format("%.2f", g.frechet), format("%.2f", g.frechetHalfWidth),
                              std::to_string(settings.evaluationSeeds), format("%.3f", g.coverage.precision), format("%.3f", g.coverage.recall)});
    return {{"classes", std::move(classes)}, {"guidance", std::move(table)}};
}

std::vector<ReportSection> comparisonReport(const std::vector<Dataset>& datasets)
{
    ReportSection section{"Latent consistency sampling", {}};
    for (const auto& dataset : datasets) {
        if (const auto* table = std::get_if<Table>(&dataset.content))
            section.blocks.push_back(*table);
        else if (const auto* series = std::get_if<Series>(&dataset.content); series && dataset.name == "quality vs latency")
            section.blocks.push_back(ReportPlot{"Fréchet distance against log₁₀ milliseconds per sample", *series});
        else if (const auto* grid = std::get_if<Grid>(&dataset.content); grid && dataset.name == "gallery")
            section.blocks.push_back(ReportPlot{"Samples: a row per sampler in the samplers table's order, the same seeds in every row", *grid});
        else if (grid && dataset.name == "classes")
            section.blocks.push_back(ReportPlot{"Samples per class: a row per class, the same noise in every row", *grid});
    }
    return section.blocks.empty() ? std::vector<ReportSection>{} : std::vector<ReportSection>{section};
}

} // namespace ls::consistency
