#include "HeldOutEvaluation.h"

#include "engine/core/Error.h"

#include <algorithm>
#include <numeric>

namespace ls::rf {

SpectrumScores scoreSpectrum(const std::vector<float>& predicted, const std::vector<float>& truth, const PixelMapping& mapping, int frequencies)
{
    const std::size_t pixels = static_cast<std::size_t>(mapping.width) * mapping.height;
    SpectrumScores scores;
    for (int f = 0; f < frequencies; ++f) {
        const std::vector<float> a(predicted.begin() + f * pixels, predicted.begin() + (f + 1) * pixels);
        const std::vector<float> b(truth.begin() + f * pixels, truth.begin() + (f + 1) * pixels);
        scores.ssim += ssimSkimage(a, b, mapping.height, mapping.width) / frequencies; // the community's SSIM
        scores.mse += meanSquaredError(a, b) / frequencies;
    }
    scores.psnrDb = psnrDb(scores.mse);
    return scores;
}

namespace {

// The k training samples nearest to `position`: (squared distance, sample index), nearest first.
std::vector<std::pair<double, std::size_t>> nearestTraining(const RfDataset& dataset, const std::array<float, 3>& position, int k)
{
    std::vector<std::pair<double, std::size_t>> distances;
    for (std::size_t index : dataset.train) {
        const auto& p = dataset.samples[index].movingEnd;
        const double dx = p[0] - position[0], dy = p[1] - position[1], dz = p[2] - position[2];
        distances.emplace_back(dx * dx + dy * dy + dz * dz, index);
    }
    if (distances.empty())
        throw ArgumentError("baseline: the dataset has no training spectra");
    const auto used = static_cast<std::size_t>(std::clamp<int>(k, 1, static_cast<int>(distances.size())));
    std::partial_sort(distances.begin(), distances.begin() + used, distances.end());
    distances.resize(used);
    return distances;
}

} // namespace

std::vector<float> nearestTrainingSpectrum(const RfDataset& dataset, const std::array<float, 3>& position, int k)
{
    const auto nearest = nearestTraining(dataset, position, k);
    std::vector<float> mean(dataset.samples[nearest[0].second].spectrum.size(), 0.0f);
    for (const auto& [distance, index] : nearest) {
        const auto& spectrum = dataset.samples[index].spectrum;
        for (std::size_t p = 0; p < mean.size(); ++p)
            mean[p] += spectrum[p] / static_cast<float>(nearest.size());
    }
    return mean;
}

std::vector<float> inverseDistanceSpectrum(const RfDataset& dataset, const std::array<float, 3>& position, int k)
{
    const auto nearest = nearestTraining(dataset, position, k);
    if (nearest[0].first <= 0)
        return dataset.samples[nearest[0].second].spectrum;
    double total = 0;
    for (const auto& entry : nearest)
        total += 1.0 / entry.first; // squared distances: weights 1/d²
    std::vector<float> blend(dataset.samples[nearest[0].second].spectrum.size(), 0.0f);
    for (const auto& [squared, index] : nearest) {
        const auto weight = static_cast<float>(1.0 / squared / total);
        const auto& spectrum = dataset.samples[index].spectrum;
        for (std::size_t p = 0; p < blend.size(); ++p)
            blend[p] += weight * spectrum[p];
    }
    return blend;
}

HeldOutScores evaluateHeldOut(const TrainingState& state, const RfDataset& dataset, const std::vector<std::size_t>& indices, int k,
                              const CancelPoll& cancelled)
{
    HeldOutScores scores;
    scores.k = k;
    const RenderSettings render{state.mapping, state.quantity};
    for (std::size_t index : indices) {
        if (cancelled && cancelled())
            throw CancelledError();
        const SpectrumSample& sample = dataset.samples[index];
        auto predicted = renderCpu(state.field, state.receiver, sample.movingEnd, render).spectrum;
        auto score = [&](const std::vector<float>& spectrum) {
            SpectrumScores s = scoreSpectrum(spectrum, sample.spectrum, dataset.mapping, dataset.frequencies);
            s.number = sample.number;
            return s;
        };
        scores.model.push_back(score(predicted));
        scores.nearest.push_back(score(nearestTrainingSpectrum(dataset, sample.movingEnd, 1)));
        scores.kNearest.push_back(score(nearestTrainingSpectrum(dataset, sample.movingEnd, k)));
        scores.inverseDistance.push_back(score(inverseDistanceSpectrum(dataset, sample.movingEnd, k)));
        scores.predicted.push_back(std::move(predicted));
    }
    return scores;
}

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

std::vector<double> ssimValues(const std::vector<SpectrumScores>& scores)
{
    std::vector<double> values;
    for (const auto& s : scores)
        values.push_back(s.ssim);
    return values;
}

} // namespace ls::rf
