#include "SyntheticLidar.h"

#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ls::pointcloud {
namespace {

constexpr float kPi = 3.14159265358979f;

struct Box {
    float min[3], max[3];
    SurfaceLabel label;
};

struct Pole {
    float x, y, radius, height;
};

// Ray–box distance by the slab method; infinity when missed.
float hitBox(const float origin[3], const float direction[3], const Box& box)
{
    float near = 0, far = std::numeric_limits<float>::infinity();
    for (int a = 0; a < 3; ++a) {
        if (std::abs(direction[a]) < 1e-9f) {
            if (origin[a] < box.min[a] || origin[a] > box.max[a])
                return std::numeric_limits<float>::infinity();
            continue;
        }
        float t0 = (box.min[a] - origin[a]) / direction[a], t1 = (box.max[a] - origin[a]) / direction[a];
        if (t0 > t1)
            std::swap(t0, t1);
        near = std::max(near, t0);
        far = std::min(far, t1);
        if (near > far)
            return std::numeric_limits<float>::infinity();
    }
    return near > 0 ? near : std::numeric_limits<float>::infinity();
}

float hitPole(const float origin[3], const float direction[3], const Pole& pole)
{
    const float ox = origin[0] - pole.x, oy = origin[1] - pole.y;
    const float a = direction[0] * direction[0] + direction[1] * direction[1];
    const float b = 2 * (ox * direction[0] + oy * direction[1]);
    const float c = ox * ox + oy * oy - pole.radius * pole.radius;
    const float discriminant = b * b - 4 * a * c;
    if (a < 1e-12f || discriminant < 0)
        return std::numeric_limits<float>::infinity();
    const float t = (-b - std::sqrt(discriminant)) / (2 * a);
    const float z = origin[2] + t * direction[2];
    return t > 0 && z >= 0 && z <= pole.height ? t : std::numeric_limits<float>::infinity();
}

} // namespace

LidarScan scanStreetScene(const LidarScanSpec& spec)
{
    if (spec.beams < 1 || spec.azimuthSteps < 1 || spec.maxRangeM <= 0 || spec.highestBeamDeg <= spec.lowestBeamDeg)
        throw ArgumentError("LiDAR: beams and azimuth steps must be positive, the range positive, the field of view non-empty");
    auto random = [&](std::uint64_t index, std::uint32_t stream) { return rng::uniform(spec.seed, index, stream); };
    // The scene: a road along x (|y| < 7), cars in lanes, sidewalks with poles, buildings behind.
    std::vector<Box> boxes;
    for (int i = 0; i < spec.cars; ++i) {
        const float x = -60 + 120 * random(i, 10), lane = random(i, 11) < 0.5f ? -3.5f : 3.5f;
        const float length = 4.0f + random(i, 12), width = 1.7f + 0.3f * random(i, 13), height = 1.4f + 0.4f * random(i, 14);
        if (std::abs(x) < 4 && std::abs(lane) < 4)
            continue; // not on top of the sensor's own car
        boxes.push_back({{x - length / 2, lane - width / 2, 0}, {x + length / 2, lane + width / 2, height}, SurfaceLabel::Car});
    }
    for (int i = 0; i < spec.buildings; ++i) {
        const float x = -70 + 140 * (i + random(i, 20) * 0.5f) / spec.buildings, side = i % 2 ? 1.0f : -1.0f;
        const float depth = 8 + 10 * random(i, 21), width = 10 + 8 * random(i, 22), height = 6 + 14 * random(i, 23);
        const float front = 12 + 3 * random(i, 24);
        boxes.push_back({{x, side > 0 ? front : -front - depth, 0}, {x + width, side > 0 ? front + depth : -front, height},
                         SurfaceLabel::Building});
    }
    std::vector<Pole> poles;
    for (int i = 0; i < spec.poles; ++i)
        poles.push_back({-65 + 130 * random(i, 30), (i % 2 ? 1.0f : -1.0f) * (9 + random(i, 31)), 0.12f + 0.1f * random(i, 32),
                         4 + 4 * random(i, 33)});

    LidarScan scan;
    const float origin[3] = {0, 0, spec.sensorHeightM};
    for (int beam = 0; beam < spec.beams; ++beam) {
        const float elevation = (spec.beams == 1 ? spec.lowestBeamDeg
                                                 : spec.lowestBeamDeg + (spec.highestBeamDeg - spec.lowestBeamDeg) * beam / (spec.beams - 1)) *
                                kPi / 180;
        for (int step = 0; step < spec.azimuthSteps; ++step) {
            const std::uint64_t ray = static_cast<std::uint64_t>(beam) * spec.azimuthSteps + step;
            if (random(ray, 1) < spec.dropout)
                continue;
            const float azimuth = 2 * kPi * step / spec.azimuthSteps;
            const float direction[3] = {std::cos(elevation) * std::cos(azimuth), std::cos(elevation) * std::sin(azimuth), std::sin(elevation)};
            float best = direction[2] < 0 ? -origin[2] / direction[2] : std::numeric_limits<float>::infinity();
            SurfaceLabel label = SurfaceLabel::Ground;
            for (const auto& box : boxes)
                if (const float t = hitBox(origin, direction, box); t < best) {
                    best = t;
                    label = box.label;
                }
            for (const auto& pole : poles)
                if (const float t = hitPole(origin, direction, pole); t < best) {
                    best = t;
                    label = SurfaceLabel::Pole;
                }
            if (!(best < spec.maxRangeM))
                continue;
            // Gaussian range noise from two uniforms (Box–Muller).
            const float u1 = std::max(random(ray, 2), 1e-7f), u2 = random(ray, 3);
            const float range = best + spec.rangeNoiseM * std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);
            const float reflectivity = label == SurfaceLabel::Car ? 0.7f : label == SurfaceLabel::Pole ? 0.5f
                                       : label == SurfaceLabel::Building                             ? 0.35f
                                                                                                     : 0.15f;
            const float intensity = std::clamp(reflectivity * (1 - range / (2 * spec.maxRangeM)) + 0.05f * random(ray, 4), 0.0f, 1.0f);
            for (int a = 0; a < 3; ++a)
                scan.points.push_back(range * direction[a]); // sensor frame
            scan.points.push_back(intensity);
            scan.labels.push_back(static_cast<std::int32_t>(label));
        }
    }
    return scan;
}

} // namespace ls::pointcloud
