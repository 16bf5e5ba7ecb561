#include "GaussianField.h"

#include "Compositing.h"
#include "GaussianBackward.h"
#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"
#include "engine/core/ParallelFor.h"

#include <cmath>

namespace ls::rf {

GaussianField GaussianField::zerosLike() const
{
    GaussianField zeros = *this;
    for (auto& [name, array] : zeros.parameterArrays())
        std::fill(array->begin(), array->end(), 0.0f);
    return zeros;
}

void GaussianField::zerosLikeInto(GaussianField& into) const
{
    into.frequencies = frequencies;
    into.hidden = hidden;
    into.emissionForm = emissionForm;
    into.inputCentre = inputCentre;
    into.inputScale = inputScale;
    const auto from = parameterArrays();
    const auto to = into.parameterArrays();
    for (std::size_t i = 0; i < from.size(); ++i)
        to[i].second->assign(from[i].second->size(), 0.0f);
}

std::vector<std::pair<std::string, std::vector<float>*>> GaussianField::parameterArrays()
{
    return {{"means", &means}, {"log_scales", &logScales}, {"rotations", &rotations}, {"opacity_logits", &opacityLogits},
            {"mlp_w1", &mlpW1}, {"mlp_b1", &mlpB1}, {"mlp_w2", &mlpW2}, {"mlp_b2", &mlpB2}};
}

std::vector<std::pair<std::string, const std::vector<float>*>> GaussianField::parameterArrays() const
{
    std::vector<std::pair<std::string, const std::vector<float>*>> arrays;
    for (auto& [name, array] : const_cast<GaussianField*>(this)->parameterArrays())
        arrays.emplace_back(name, array);
    return arrays;
}

void GaussianField::checkShapes(const std::string& source) const
{
    const std::size_t n = count();
    const std::size_t expected[] = {n * 3, n * 3, n * 4, n, n * hidden * 3, n * hidden, n * outputs() * hidden, n * outputs()};
    int index = 0;
    for (const auto& [name, array] : parameterArrays()) {
        if (array->size() != expected[index])
            throw FormatError(source, name + " holds " + std::to_string(array->size()) + " values; " + std::to_string(expected[index])
                                          + " expected for " + std::to_string(n) + " Gaussians, hidden " + std::to_string(hidden)
                                          + ", " + std::to_string(frequencies) + " frequencies");
        ++index;
    }
    if (n == 0)
        throw FormatError(source, "the field holds no Gaussians");
    if (frequencies > kMaxFrequenciesPerField)
        throw FormatError(source, std::to_string(frequencies) + " frequencies; a field holds at most " + std::to_string(kMaxFrequenciesPerField));
}

GaussianField initialiseOnGrid(const GridInitialisation& init)
{
    if (!(init.spacingMetres > 0))
        throw ArgumentError("spacing: must be positive (metres)");
    int cells[3];
    std::size_t total = 1;
    for (int axis = 0; axis < 3; ++axis) {
        const float extent = init.boxMax[axis] - init.boxMin[axis];
        if (!(extent > 0))
            throw ArgumentError("scene box: the maximum must exceed the minimum on every axis");
        cells[axis] = std::max(1, static_cast<int>(std::floor(extent / init.spacingMetres)));
        total *= static_cast<std::size_t>(cells[axis]);
    }
    if (total > 2'000'000)
        throw ArgumentError("spacing: " + std::to_string(total) + " Gaussians on this grid; at most 2,000,000 (raise the spacing)");

    GaussianField field;
    field.frequencies = init.frequencies;
    field.hidden = init.hidden;
    field.emissionForm = init.emissionForm;
    field.inputCentre = init.inputCentre;
    field.inputScale = init.inputScale;
    const int outputs = field.outputs(), hidden = field.hidden;
    const float logScale = std::log(init.spacingMetres); // nearest neighbour on a regular grid: one spacing
    const float opacityLogit = std::log(init.initialOpacity / (1 - init.initialOpacity));
    for (int i = 0; i < cells[0]; ++i)
        for (int j = 0; j < cells[1]; ++j)
            for (int k = 0; k < cells[2]; ++k) {
                const int index[3] = {i, j, k};
                for (int axis = 0; axis < 3; ++axis) {
                    const float extent = init.boxMax[axis] - init.boxMin[axis];
                    field.means.push_back(init.boxMin[axis] + (index[axis] + 0.5f) * extent / cells[axis]);
                    field.logScales.push_back(logScale);
                }
                field.rotations.insert(field.rotations.end(), {1, 0, 0, 0});
                field.opacityLogits.push_back(opacityLogit);
            }
    const std::size_t n = field.count();
    field.mlpW1.resize(n * hidden * 3);
    field.mlpB1.assign(n * hidden, 0.0f);
    field.mlpW2.resize(n * outputs * hidden);
    field.mlpB2.assign(n * outputs, 0.0f);
    const float scale1 = std::sqrt(2.0f / 3.0f), scale2 = std::sqrt(1.0f / hidden);
    for (std::size_t i = 0; i < field.mlpW1.size(); ++i)
        field.mlpW1[i] = scale1 * rng::normal(init.seed, i, 1);
    for (std::size_t i = 0; i < field.mlpW2.size(); ++i)
        field.mlpW2[i] = scale2 * rng::normal(init.seed, i, 2);
    return field;
}

namespace {

std::array<float, 3> normalisedInput(const GaussianField& field, const std::array<float, 3>& movingEnd)
{
    std::array<float, 3> input{};
    normaliseMovingEnd(movingEnd.data(), field.inputCentre.data(), field.inputScale.data(), input.data());
    return input;
}

} // namespace

std::vector<float> emissions(const GaussianField& field, MovingEnds movingEnds)
{
    std::vector<float> result;
    emissionsInto(field, movingEnds, result);
    return result;
}

void emissionsInto(const GaussianField& field, MovingEnds movingEnds, std::vector<float>& result)
{
    const std::size_t n = field.count(), positions = movingEnds.size();
    const int hidden = field.hidden, outputs = field.outputs();
    result.resize(n * positions * outputs); // every value is written below
    if (hidden > kMaxEmissionHidden)
        throw ArgumentError("emission MLPs up to " + std::to_string(kMaxEmissionHidden) + " wide are supported; this field's are " + std::to_string(hidden));
    std::vector<std::array<float, 3>> inputs(positions);
    for (std::size_t b = 0; b < positions; ++b)
        inputs[b] = normalisedInput(field, movingEnds[b]);
    // Gaussians split over the workers (each writes its own rows): a training batch of 8 evaluates
    // 8 MLPs per Gaussian, which on one thread had become a tenth of a CPU step.
    parallelFor(n, parallelWorkers(n * positions / 512), [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t g = begin; g < end; ++g)
            for (std::size_t b = 0; b < positions; ++b)
                emissionOne<kMaxEmissionHidden>(field.emissionForm, &field.mlpW1[g * hidden * 3], &field.mlpB1[g * hidden],
                                                &field.mlpW2[g * outputs * hidden], &field.mlpB2[g * outputs], hidden, outputs, inputs[b].data(),
                                                &field.means[g * 3], movingEnds[b].data(), &result[(g * positions + b) * outputs]);
    });
}

GaussianGradientRows rowsOf(GaussianField& gradients, std::size_t g)
{
    return gradientRows(g, gradients.hidden, gradients.outputs(), gradients.means.data(), gradients.logScales.data(), gradients.rotations.data(),
                        gradients.opacityLogits.data(), gradients.mlpW1.data(), gradients.mlpB1.data(), gradients.mlpW2.data(),
                        gradients.mlpB2.data());
}

void emissionsBackward(const GaussianField& field, MovingEnds movingEnds, const std::vector<float>& emission,
                       const std::vector<double>& emissionGradient, GaussianField& gradients)
{
    const std::size_t n = field.count(), positions = movingEnds.size();
    const int hidden = field.hidden, outputs = field.outputs();
    if (hidden > kMaxEmissionHidden)
        throw ArgumentError("training supports emission MLPs up to " + std::to_string(kMaxEmissionHidden) + " wide; this field's are " +
                            std::to_string(hidden));
    std::vector<std::array<float, 3>> inputs(positions);
    for (std::size_t b = 0; b < positions; ++b)
        inputs[b] = normalisedInput(field, movingEnds[b]);
    // Each Gaussian's positions in batch order, as before the split over workers: the same sums.
    parallelFor(n, parallelWorkers(n * positions / 512), [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t g = begin; g < end; ++g)
            for (std::size_t b = 0; b < positions; ++b) {
                const std::size_t row = (g * positions + b) * outputs;
                emissionBackwardOne<double, kMaxEmissionHidden>(field.emissionForm, &field.mlpW1[g * hidden * 3], &field.mlpB1[g * hidden],
                                                                &field.mlpW2[g * outputs * hidden], hidden, outputs, inputs[b].data(),
                                                                &field.means[g * 3], movingEnds[b].data(), &emission[row], &emissionGradient[row],
                                                                rowsOf(gradients, g));
            }
    });
}

NpzArchive fieldToNpz(const GaussianField& field)
{
    NpzArchive archive;
    const auto n = static_cast<std::int64_t>(field.count());
    const std::int64_t hidden = field.hidden, outputs = field.outputs();
    const std::vector<std::vector<std::int64_t>> shapes = {{n, 3}, {n, 3}, {n, 4}, {n}, {n, hidden, 3}, {n, hidden}, {n, outputs, hidden}, {n, outputs}};
    int index = 0;
    for (const auto& [name, array] : field.parameterArrays())
        archive[name] = NpyArray::from<float>(shapes[index++], *array);
    archive["input_centre"] = NpyArray::from<float>({3}, field.inputCentre);
    archive["input_scale"] = NpyArray::from<float>({3}, field.inputScale);
    const std::int32_t form = static_cast<std::int32_t>(field.emissionForm);
    archive["emission_form"] = NpyArray::from<std::int32_t>({1}, std::span(&form, 1));
    return archive;
}

GaussianField fieldFromNpz(const NpzArchive& archive, const std::string& source)
{
    auto member = [&](const std::string& name) -> const NpyArray& {
        const auto found = archive.find(name);
        if (found == archive.end())
            throw FormatError(source, "no '" + name + "' array: not a GSpaRC checkpoint (written by gsparc-train)");
        return found->second;
    };
    GaussianField field;
    const NpyArray& w2 = member("mlp_w2");
    w2.requireShape({-1, -1, -1}, source + " mlp_w2");
    if (w2.shape[2] < 1 || w2.shape[2] > 4096 || w2.shape[1] > 2 * 1024)
        throw FormatError(source, "mlp_w2 has shape " + shapeToString(w2.shape) + "; expected [N, 2 × frequencies ≤ 2048, hidden ≤ 4096]");
    field.hidden = static_cast<int>(w2.shape[2]);
    if (w2.shape[1] % 2 != 0 || w2.shape[1] == 0)
        throw FormatError(source, "mlp_w2 has " + std::to_string(w2.shape[1]) + " outputs per Gaussian; expected 2 per frequency");
    field.frequencies = static_cast<int>(w2.shape[1] / 2);
    for (auto& [name, array] : field.parameterArrays()) {
        const auto values = member(name).toFloat();
        *array = values;
    }
    const auto centre = member("input_centre").toFloat();
    const auto scale = member("input_scale").toFloat();
    if (centre.size() != 3 || (scale.size() != 3 && scale.size() != 1))
        throw FormatError(source, "input_centre must hold 3 values and input_scale 3 (or 1, the same on every axis)");
    std::copy(centre.begin(), centre.end(), field.inputCentre.begin());
    for (int axis = 0; axis < 3; ++axis) {
        field.inputScale[axis] = scale[scale.size() == 3 ? axis : 0];
        if (!(field.inputScale[axis] > 0))
            throw FormatError(source, "input_scale must be positive");
    }
    if (const auto form = archive.find("emission_form"); form != archive.end()) { // absent: written before the option, real/imaginary
        const auto values = form->second.toFloat();
        if (values.size() != 1 || (values[0] != 0 && values[0] != 1))
            throw FormatError(source, "emission_form must be one value: 0 (real/imaginary) or 1 (amplitude/phase)");
        field.emissionForm = values[0] == 0 ? EmissionForm::RealImaginary : EmissionForm::AmplitudePhase;
    }
    field.checkShapes(source);
    for (const auto& [name, array] : field.parameterArrays())
        for (float value : *array)
            if (!std::isfinite(value))
                throw FormatError(source, name + " holds a non-finite value (NaN or infinity)");
    return field;
}

} // namespace ls::rf
