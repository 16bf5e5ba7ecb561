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

// `binChannels`: values per point in a .bin file (4 KITTI, 5 nuScenes); 0 decides by binChannelsFor.
PointArray readPointFile(const std::filesystem::path& path, int binChannels = 0);

// Values per point of a .bin file given no binChannels: nuScenes' ".pcd.bin" naming gives 5, a
// KITTI "velodyne" folder 4, else the size must fit exactly one of the two (a size both 16- and
// 20-byte records divide is refused with both readings, not guessed).
int binChannelsFor(const std::filesystem::path& path, std::uintmax_t bytes);

} // namespace ls::pointcloud
