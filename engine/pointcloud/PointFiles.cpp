#include "PointFiles.h"
#include "PcdPlyReaders.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"
#include "engine/core/Npy.h"

#include <cstring>

namespace ls::pointcloud {

int binChannelsFor(const std::filesystem::path& path, std::uintmax_t bytes)
{
    const std::string name = path.filename().string();
    // nuScenes names its sweeps "...__LIDAR_TOP__<stamp>.pcd.bin" (x, y, z, intensity, ring);
    // KITTI keeps "NNNNNN.bin" in a "velodyne" folder (x, y, z, reflectance).
    if (name.ends_with(".pcd.bin"))
        return 5;
    if (path.parent_path().filename().string().starts_with("velodyne"))
        return 4;
    const bool asKitti = bytes % 16 == 0, asNuScenes = bytes % 20 == 0;
    if (asKitti && asNuScenes)
        throw FormatError(path.string(), std::to_string(bytes) + " bytes read as " + std::to_string(bytes / 16) +
                                             " KITTI points (4 values) or " + std::to_string(bytes / 20) +
                                             " nuScenes points (5 values); say which with binChannels=4 or binChannels=5");
    if (!asKitti && !asNuScenes)
        throw FormatError(path.string(), std::to_string(bytes) + " bytes is neither whole KITTI points (16 bytes) nor "
                                             "nuScenes points (20 bytes); give binChannels for another layout");
    return asKitti ? 4 : 5;
}

PointArray readPointFile(const std::filesystem::path& path, int binChannels)
{
    const std::string extension = path.extension().string();
    PointArray points;
    if (extension == ".npy") {
        const NpyArray array = readNpy(path);
        if (array.dtype != DType::Float32 || array.shape.size() != 2 || array.shape[1] < 3)
            throw FormatError(path.string(), "expected a float32 array of shape [N, C] with C ≥ 3 (x, y, z first)");
        points.channels = static_cast<int>(array.shape[1]);
        const auto values = array.view<float>(path.string());
        points.values.assign(values.begin(), values.end());
        return points;
    }
    if (extension == ".bin") {
        if (binChannels == 0) { // not given: the dataset's naming, else a size that fits one layout only
            std::error_code ec;
            const auto bytes = std::filesystem::file_size(path, ec);
            if (ec)
                throw FileError(path.string(), ec.message());
            binChannels = binChannelsFor(path, bytes);
        }
        if (binChannels < 3)
            throw ArgumentError("a .bin point file needs at least 3 values per point");
        const std::vector<std::byte> bytes = readFileBytes(path);
        if (bytes.empty())
            throw FormatError(path.string(), "is empty: no points");
        const std::size_t pointBytes = sizeof(float) * static_cast<std::size_t>(binChannels);
        if (bytes.size() % pointBytes != 0)
            throw FormatError(path.string(), std::to_string(bytes.size()) + " bytes is not a whole number of points of " +
                                                 std::to_string(binChannels) + " float32 values (KITTI: 4, nuScenes: 5); "
                                                 "truncated, or another layout?");
        points.channels = binChannels;
        points.values.resize(bytes.size() / sizeof(float));
        std::memcpy(points.values.data(), bytes.data(), bytes.size());
        return points;
    }
    if (extension == ".pcd")
        return readPcd(path);
    if (extension == ".ply")
        return readPly(path);
    throw FormatError(path.string(), "unknown point-cloud file type '" + extension + "' (expected .bin, .npy, .pcd or .ply)");
}

} // namespace ls::pointcloud
