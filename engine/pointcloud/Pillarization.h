#pragma once
// Pillars from points: a 2D grid over a range (0.32 × 0.32 m over ±74.88 m by default, the
// reference's 468 × 468 grid), one pillar per occupied cell, with per-pillar features from a small
// point encoder (a linear layer on each point's [x, y, z, intensity, offset to the cell centre]
// + ReLU, max-pooled per pillar). Points that are not finite or fall outside the range are
// dropped and counted, never a crash.
#include "FlattenedWindows.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ls::pointcloud {

struct PillarSpec {
    float pillarSizeM[2] = {0.32f, 0.32f};
    float rangeMinM[3] = {-74.88f, -74.88f, -2.0f};
    float rangeMaxM[3] = {74.88f, 74.88f, 4.0f};
    GridShape grid() const;
};

struct Pillars {
    GridShape grid;
    PillarCoords coords;                     // [P] (one sample)
    std::vector<std::int32_t> pointToPillar; // [N] pillar of each point, −1 when dropped
    std::size_t droppedNonFinite = 0;
    std::size_t droppedOutOfRange = 0;
};

// `points` [N, pointChannels] with x, y, z first and intensity fourth when present.
Pillars pillarize(std::span<const float> points, int pointChannels, const PillarSpec& spec);

constexpr int kPointFeatures = 6; // x, y, z, intensity, dx, dy

// The point encoder's W [channels, kPointFeatures], Xavier-uniform from a seed.
std::vector<float> randomEncoderWeight(int channels, std::uint64_t seed);

// Per-pillar features [P, channels]: max over the pillar's points of ReLU(W·f), W [channels, 6].
std::vector<float> encodePillars(std::span<const float> points, int pointChannels, const Pillars& pillars, const PillarSpec& spec,
                                 std::span<const float> encoderWeight);

} // namespace ls::pointcloud
