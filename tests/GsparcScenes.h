#pragma once
// Random small GSpaRC scenes for the RF suites: a receiver, Gaussians scattered over its upper
// hemisphere at 1–3 m, random shapes, opacities and emission weights, drawn fresh every run.
#include "TestRandom.h"

#include "engine/core/Error.h"
#include "engine/rf/FieldTraining.h"
#include "engine/rf/RfDataset.h"
#include "engine/rf/SplatRenderer.h"

#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace ls::test {

inline rf::ReceiverPose randomReceiver()
{
    rf::ReceiverPose pose;
    pose.position = {uniform(-1, 1), uniform(-1, 1), uniform(0, 1)};
    double q[4] = {1, uniform(-0.3f, 0.3f), uniform(-0.3f, 0.3f), uniform(-0.3f, 0.3f)};
    const double norm = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    for (int i = 0; i < 4; ++i)
        pose.orientation[i] = q[i] / norm;
    return pose;
}

// `count` Gaussians in the receiver's upper hemisphere (local elevation 5° up to `maxElevation`).
inline rf::GaussianField randomField(const rf::ReceiverPose& receiver, int count, int frequencies, int hidden, float scaleMetres = 0.25f,
                                    float maxElevation = 1.4f)
{
    rf::GaussianField field;
    field.frequencies = frequencies;
    field.hidden = hidden;
    field.inputCentre = {0, 0, 0};
    field.inputScale = {2, 2, 2};
    const auto frame = rf::receiverFrame(receiver);
    for (int g = 0; g < count; ++g) {
        const double azimuth = uniform(0, 2 * 3.14159265f), elevation = uniform(0.09f, maxElevation), distance = uniform(1, 3);
        const double local[3] = {distance * std::cos(elevation) * std::cos(azimuth), distance * std::cos(elevation) * std::sin(azimuth),
                                 distance * std::sin(elevation)};
        for (int i = 0; i < 3; ++i) // world = position + Rᵀ·local (worldToLocal is R)
            field.means.push_back(static_cast<float>(frame.position[i] + frame.worldToLocal[0][i] * local[0] + frame.worldToLocal[1][i] * local[1]
                                                     + frame.worldToLocal[2][i] * local[2]));
        for (int i = 0; i < 3; ++i)
            field.logScales.push_back(std::log(scaleMetres * uniform(0.5f, 1.5f)));
        const float q[4] = {1, uniform(-0.5f, 0.5f), uniform(-0.5f, 0.5f), uniform(-0.5f, 0.5f)};
        field.rotations.insert(field.rotations.end(), q, q + 4);
        field.opacityLogits.push_back(uniform(-1.5f, 1.0f));
    }
    auto fill = [&](std::vector<float>& values, std::size_t size, float spread) {
        values.resize(size);
        for (float& v : values)
            v = uniform(-spread, spread);
    };
    const std::size_t n = count;
    fill(field.mlpW1, n * hidden * 3, 1.0f);
    fill(field.mlpB1, n * hidden, 0.5f);
    fill(field.mlpW2, n * field.outputs() * hidden, 1.0f);
    fill(field.mlpB2, n * field.outputs(), 1.0f);
    return field;
}

inline std::array<float, 3> randomPosition() { return {uniform(-1, 1), uniform(-1, 1), uniform(0, 2)}; }

inline std::vector<std::array<float, 3>> randomPositions(int count)
{
    std::vector<std::array<float, 3>> positions(count);
    for (auto& position : positions)
        position = randomPosition();
    return positions;
}

// ‖a − b‖ and ‖a‖ (Euclidean): norm-wise relative error bounds.
template <class A, class B> std::pair<double, double> differenceAndNorm(const std::vector<A>& a, const std::vector<B>& b)
{
    double difference = 0, norm = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        difference += std::pow(static_cast<double>(a[i]) - static_cast<double>(b[i]), 2);
        norm += std::pow(static_cast<double>(a[i]), 2);
    }
    return {std::sqrt(difference), std::sqrt(norm)};
}

// A student field on a 0.6 m grid over the dataset's scene box, as training starts one.
inline rf::GaussianField studentField(const rf::RfDataset& dataset, std::uint64_t seed, rf::EmissionForm form = rf::EmissionForm::RealImaginary)
{
    const auto [low, high] = rf::sceneBox(dataset, 0.5f);
    rf::GridInitialisation init;
    init.boxMin = low;
    init.boxMax = high;
    init.spacingMetres = 0.6f;
    init.hidden = 8;
    init.seed = seed;
    init.inputScale = {2, 2, 2};
    init.emissionForm = form;
    return rf::initialiseOnGrid(init);
}

// Spectra of a random teacher field at `count` random transmitter positions, all for training.
inline rf::RfDataset teacherDataset(const rf::ReceiverPose& receiver, const rf::GaussianField& teacher, const rf::PixelMapping& mapping, int count)
{
    rf::RfDataset dataset;
    dataset.source = "teacher";
    dataset.receiver = receiver;
    dataset.mapping = mapping;
    dataset.frequencies = teacher.frequencies;
    for (int i = 0; i < count; ++i) {
        const auto position = randomPosition();
        dataset.train.push_back(dataset.samples.size());
        dataset.samples.push_back({i + 1, position, rf::renderCpu(teacher, receiver, position, {mapping}).spectrum});
    }
    return dataset;
}

// A small training problem: a random receiver, `count` spectra (64×16) of a 30-Gaussian teacher,
// and a seed for the student and the draw order.
struct SmallTeacherScene {
    rf::ReceiverPose receiver;
    rf::RfDataset dataset;
    std::uint64_t seed;
};
inline SmallTeacherScene smallTeacherScene(int count)
{
    SmallTeacherScene scene{randomReceiver(), {}, 0};
    scene.dataset = teacherDataset(scene.receiver, randomField(scene.receiver, 30, 1, 8), rf::PixelMapping{64, 16}, count);
    scene.seed = static_cast<std::uint64_t>(uniformInt(1, 1000));
    return scene;
}

// Why checkpointFromNpz refused `archive` (the FormatError's text), or "" when it loaded.
inline std::string checkpointRefusal(const NpzArchive& archive, const std::string& source)
{
    try {
        rf::checkpointFromNpz(archive, source);
        return {};
    } catch (const FormatError& error) {
        return error.what();
    }
}

} // namespace ls::test
