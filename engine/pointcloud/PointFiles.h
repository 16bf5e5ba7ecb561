#pragma once
// Point-cloud files: `.bin` as KITTI (N × 4 float32: x, y, z, intensity) and nuScenes (N × 5)
// write them, `.npy` (N × C float32, C ≥ 3), `.pcd` and `.ply` (PcdPlyReaders.h). Errors name the
// file and the problem.
#include <filesystem>
#include <vector>

namespace ls::pointcloud {

struct PointArray {
    std::vector<float> values; // [N, channels]
    int channels = 0;
    std::size_t size() const { return channels ? values.size() / channels : 0; }
};

// `binChannels`: values per point in a .bin file (4 KITTI, 5 nuScenes).
PointArray readPointFile(const std::filesystem::path& path, int binChannels = 4);

} // namespace ls::pointcloud
