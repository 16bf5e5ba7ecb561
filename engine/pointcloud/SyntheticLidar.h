#pragma once
// A synthetic LiDAR sweep so the studio has realistic point clouds without a download: a street
// (ground, cars, buildings, poles) scanned by a spinning multi-beam sensor with range noise and
// dropouts. Deterministic for a seed (counter-based random numbers).
#include <cstdint>
#include <vector>

namespace ls::pointcloud {

struct LidarScanSpec {
    int beams = 32;
    float lowestBeamDeg = -25.0f, highestBeamDeg = 3.0f; // vertical field of view
    int azimuthSteps = 1800;                           // per revolution
    float sensorHeightM = 1.8f;
    float maxRangeM = 70.0f;
    float rangeNoiseM = 0.02f; // σ along the ray
    float dropout = 0.05f;     // fraction of returns lost
    int cars = 14, buildings = 8, poles = 24;
    std::uint64_t seed = 1;
};

enum class SurfaceLabel : std::int32_t { Ground = 0, Car = 1, Building = 2, Pole = 3 };

struct LidarScan {
    std::vector<float> points;        // [N, 4]: x, y, z in the sensor frame (m; ground at z = −sensorHeightM, as in KITTI), intensity [0, 1]
    std::vector<std::int32_t> labels; // [N] SurfaceLabel
    std::size_t size() const { return labels.size(); }
};

LidarScan scanStreetScene(const LidarScanSpec& spec);

} // namespace ls::pointcloud
