#include "GsparcOutputs.h"

#include "engine/core/Sigmoid.h"
#include "engine/core/TextFormat.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ls::rf {

namespace {
constexpr int kGap = 4; // pixels between the panels of a montage
constexpr float kMarkerRadiusMetres = 0.05f;
} // namespace

Grid spectrumMaps(const std::vector<float>& spectrum, int frequencies, const PixelMapping& mapping)
{
    const std::size_t pixels = static_cast<std::size_t>(mapping.width) * mapping.height;
    Grid grid{mapping.height, mapping.width, frequencies, std::vector<float>(pixels * frequencies), "normalised power",
              "azimuth (deg, column c = c + 1)", "elevation (deg, row r = r + 1)", true};
    grid.heatColours = true;
    grid.layerLabel = "frequency";
    for (int f = 0; f < frequencies; ++f) // [F, H, W] → [H, W, F]
        for (std::size_t p = 0; p < pixels; ++p)
            grid.values[p * frequencies + f] = spectrum[f * pixels + p];
    return grid;
}

std::vector<Dataset> channelEstimateOutputs(const std::vector<std::complex<float>>& channels)
{
    Table table{{"frequency", "real", "imaginary", "amplitude", "phase (rad)"}, {}};
    Series amplitude{"frequency index", {}, {{"|H|", 1, {}}}}, phase{"frequency index", {}, {{"arg H (rad)", 1, {}}}};
    for (std::size_t f = 0; f < channels.size(); ++f) {
        const auto& h = channels[f];
        table.rows.push_back({std::to_string(f), std::to_string(h.real()), std::to_string(h.imag()), std::to_string(std::abs(h)),
                              std::to_string(std::arg(h))});
        amplitude.x.push_back(static_cast<float>(f));
        phase.x.push_back(static_cast<float>(f));
        amplitude.curves[0].values.push_back(std::abs(h));
        phase.curves[0].values.push_back(std::arg(h));
    }
    return {{"channel estimate", std::move(table)}, {"CSI amplitude", std::move(amplitude)}, {"CSI phase", std::move(phase)}};
}

Grid comparisonMontage(const HeldOutScores& scores, const RfDataset& dataset, const std::vector<std::size_t>& indices, int limit)
{
    const int height = dataset.mapping.height, width = dataset.mapping.width, frequencies = dataset.frequencies;
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    const int bands = std::min<int>(limit, static_cast<int>(scores.predicted.size()));
    // A layer per frequency, in heat colours: the view's slider steps through them on one scale.
    Grid grid{bands * height + std::max(0, bands - 1) * kGap, 3 * width + 2 * kGap, frequencies, {}, "normalised power",
              "predicted | measured | |error| (azimuth)", "held-out sample (elevation)", true};
    grid.heatColours = true;
    grid.layerLabel = "frequency";
    grid.values.assign(static_cast<std::size_t>(grid.height) * grid.width * frequencies, 1.0f); // gaps at the top of the scale
    for (int band = 0; band < bands; ++band) {
        const auto& predicted = scores.predicted[band];
        const auto& truth = dataset.samples[indices[band]].spectrum;
        for (int f = 0; f < frequencies; ++f)
            for (int row = 0; row < height; ++row)
                for (int column = 0; column < width; ++column) {
                    const std::size_t source = f * pixels + static_cast<std::size_t>(row) * width + column;
                    const std::size_t target = static_cast<std::size_t>(band * (height + kGap) + row) * grid.width;
                    const auto at = [&](int x) -> float& { return grid.values[(target + x) * frequencies + f]; };
                    at(column) = predicted[source];
                    at(width + kGap + column) = truth[source];
                    at(2 * (width + kGap) + column) = std::abs(predicted[source] - truth[source]);
                }
    }
    return grid;
}

Grid spectrumStack(const std::vector<std::vector<float>>& spectra, const PixelMapping& mapping, std::string yLabel)
{
    const int height = mapping.height, width = mapping.width, count = static_cast<int>(spectra.size());
    Grid grid{count * height + std::max(0, count - 1) * kGap, width, 1, {}, "normalised power", "azimuth (deg)", std::move(yLabel), true};
    grid.values.assign(static_cast<std::size_t>(grid.height) * width, 1.0f);
    for (int band = 0; band < count; ++band)
        std::copy(spectra[band].begin(), spectra[band].begin() + static_cast<std::size_t>(height) * width,
                  grid.values.begin() + static_cast<std::size_t>(band) * (height + kGap) * width);
    return grid;
}

Series trainingCurves(const TrainingState& state)
{
    Series series;
    series.xLabel = "training step";
    series.x = state.curveStep;
    series.curves.push_back({"loss ((1 − λ)·L1 + λ·(1 − SSIM))", 1, state.curveLoss});
    series.curves.push_back({"training SSIM", 1, state.curveSsim});
    return series;
}

Series confidenceCurve(const TrainingState& state)
{
    Series series;
    series.xLabel = "training step";
    series.x = state.curveStep;
    series.curves.push_back({"loss weight C = 1 + exp(MLP(receiver))", 1, state.curveConfidence});
    return series;
}

Series fieldSizeCurve(const TrainingState& state)
{
    Series series;
    series.xLabel = "training step";
    series.x = state.curveStep;
    const DensifyTally& totals = state.densified;
    series.curves.push_back({"Gaussians (" + std::to_string(totals.cloned) + " cloned, " + std::to_string(totals.split) + " split, "
                                 + std::to_string(totals.pruned) + " pruned)",
                             1, state.curveGaussians});
    return series;
}

Series ssimDistribution(const HeldOutScores& scores)
{
    Series series;
    series.xLabel = "SSIM";
    for (int i = 0; i <= 100; ++i)
        series.x.push_back(i / 100.0f);
    auto cdf = [&](const std::vector<SpectrumScores>& set, const std::string& name) {
        Attribute curve{name, 1, {}};
        for (float threshold : series.x) {
            const auto below = std::count_if(set.begin(), set.end(), [&](const SpectrumScores& s) { return s.ssim <= threshold; });
            curve.values.push_back(set.empty() ? 0.0f : static_cast<float>(below) / set.size());
        }
        series.curves.push_back(std::move(curve));
    };
    cdf(scores.model, "GSpaRC");
    cdf(scores.nearest, "nearest training position");
    cdf(scores.kNearest, std::to_string(scores.k) + " nearest, averaged");
    return series;
}

Table metricsSummary(const HeldOutScores& scores, const std::string& splitName)
{
    Table table{{"method", "samples (" + splitName + ")", "median SSIM", "mean SSIM", "median PSNR (dB)", "median MSE"}, {}};
    auto row = [&](const std::string& name, const std::vector<SpectrumScores>& set) {
        std::vector<double> ssimSet, psnr, mse;
        for (const auto& s : set) {
            ssimSet.push_back(s.ssim);
            psnr.push_back(s.psnrDb);
            mse.push_back(s.mse);
        }
        double mean = 0;
        for (double v : ssimSet)
            mean += v / std::max<std::size_t>(1, ssimSet.size());
        table.rows.push_back({name, std::to_string(set.size()), fixedDecimals(median(ssimSet), 4), fixedDecimals(mean, 4), fixedDecimals(median(psnr), 2), fixedDecimals(median(mse), 5)});
    };
    row("GSpaRC", scores.model);
    row("nearest training position", scores.nearest);
    row(std::to_string(scores.k) + " nearest, averaged", scores.kNearest);
    return table;
}

Table perSampleMetrics(const HeldOutScores& scores)
{
    Table table{{"sample", "SSIM", "PSNR (dB)", "MSE", "nearest SSIM", "nearest PSNR (dB)", "k-NN SSIM", "k-NN PSNR (dB)"}, {}};
    for (std::size_t i = 0; i < scores.model.size(); ++i)
        table.rows.push_back({std::to_string(scores.model[i].number), fixedDecimals(scores.model[i].ssim, 4), fixedDecimals(scores.model[i].psnrDb, 2),
                              fixedDecimals(scores.model[i].mse, 5), fixedDecimals(scores.nearest[i].ssim, 4), fixedDecimals(scores.nearest[i].psnrDb, 2),
                              fixedDecimals(scores.kNearest[i].ssim, 4), fixedDecimals(scores.kNearest[i].psnrDb, 2)});
    return table;
}

PointCloud gaussianCloud(const GaussianField& field, const ReceiverPose& receiver, const std::array<float, 3>& movingEnd, float minimumOpacity)
{
    const auto emission = emissions(field, movingEnd);
    const int outputs = field.outputs();
    PointCloud cloud;
    Attribute amplitude{"emission amplitude (at the transmitter shown)", 1, {}}, opacity{"opacity", 1, {}}, size{"size (m, mean σ)", 1, {}},
        role{kMarkerRoleAttribute, 1, {}};
    float brightest = 0;
    for (std::size_t g = 0; g < field.count(); ++g) {
        const float o = sigmoid(field.opacityLogits[g]);
        if (o < minimumOpacity)
            continue;
        double power = 0;
        for (int f = 0; f < field.frequencies; ++f)
            power += std::hypot(emission[g * outputs + 2 * f], emission[g * outputs + 2 * f + 1]) / field.frequencies;
        cloud.positions.insert(cloud.positions.end(), field.means.begin() + g * 3, field.means.begin() + g * 3 + 3);
        amplitude.values.push_back(static_cast<float>(power * o));
        brightest = std::max(brightest, amplitude.values.back());
        opacity.values.push_back(o);
        size.values.push_back((std::exp(field.logScales[g * 3]) + std::exp(field.logScales[g * 3 + 1]) + std::exp(field.logScales[g * 3 + 2])) / 3);
        role.values.push_back(0.0f);
        for (int k = 0; k < 3; ++k)
            cloud.ellipsoidAxes.push_back(std::exp(field.logScales[g * 3 + k]));
        const float* q = &field.rotations[g * 4];
        const float norm = std::max(1e-12f, std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]));
        for (int k = 0; k < 4; ++k)
            cloud.ellipsoidRotations.push_back(q[k] / norm);
    }
    const std::array<float, 3> receiverPosition{static_cast<float>(receiver.position[0]), static_cast<float>(receiver.position[1]),
                                                static_cast<float>(receiver.position[2])};
    for (const auto& [position, kind] : {std::pair{receiverPosition, kReceiverRole}, std::pair{movingEnd, kTransmitterRole}}) {
        cloud.positions.insert(cloud.positions.end(), position.begin(), position.end());
        amplitude.values.push_back(brightest);
        opacity.values.push_back(1.0f);
        size.values.push_back(0.0f);
        role.values.push_back(kind);
        cloud.ellipsoidAxes.insert(cloud.ellipsoidAxes.end(), 3, kMarkerRadiusMetres); // a small ball among the ellipsoids
        cloud.ellipsoidRotations.insert(cloud.ellipsoidRotations.end(), {1.0f, 0.0f, 0.0f, 0.0f});
    }
    cloud.attributes = {std::move(amplitude), std::move(opacity), std::move(size), std::move(role)};
    return cloud;
}

GaussianSet gaussianSet(const GaussianField& field)
{
    GaussianSet set;
    set.means = field.means;
    set.scales.resize(field.logScales.size());
    std::transform(field.logScales.begin(), field.logScales.end(), set.scales.begin(), [](float s) { return std::exp(s); });
    set.rotations = field.rotations;
    set.opacities.resize(field.count());
    std::transform(field.opacityLogits.begin(), field.opacityLogits.end(), set.opacities.begin(), [](float l) { return sigmoid(l); });
    return set;
}

std::vector<ReportSection> rfReportSections(const std::string& title, const std::vector<Dataset>& datasets)
{
    ReportSection section{title, {}};
    for (const auto& dataset : datasets) {
        if (const auto* table = std::get_if<Table>(&dataset.content); table && table->rows.size() <= 60) {
            section.blocks.push_back(ReportParagraph{dataset.name});
            section.blocks.push_back(*table);
        } else if (const auto* series = std::get_if<Series>(&dataset.content); series && !series->curves.empty()) {
            section.blocks.push_back(ReportPlot{dataset.name, *series});
        } else if (const auto* grid = std::get_if<Grid>(&dataset.content); grid && (grid->showAsImage || grid->heatColours)) {
            section.blocks.push_back(ReportPlot{dataset.name + (grid->layerCount() > 1 ? " (first " + grid->layerLabel + ")" : ""), *grid});
        }
    }
    if (section.blocks.empty())
        return {};
    return {section};
}

} // namespace ls::rf
