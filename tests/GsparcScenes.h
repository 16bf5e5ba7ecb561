#pragma once
// Random small GSpaRC scenes for the RF suites: a receiver, Gaussians scattered over its upper
// hemisphere at 1–3 m, random shapes, opacities and emission weights, drawn fresh every run.
#include "TestSupport.h"

#include "engine/rf/RfDataset.h"
#include "engine/rf/SplatRenderer.h"

#include <cmath>

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

} // namespace ls::test
