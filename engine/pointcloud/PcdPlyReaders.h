#pragma once
// Readers for the two common interchange formats, into x, y, z, intensity (4 channels; intensity
// 0 when the file has none):
// - PCD (PCL): DATA ascii, binary and binary_compressed (LZF, fields stored one after another);
//   any field list (x y z plus rgb/rgba/intensity/normals/...), COUNT > 1, organised clouds
//   (WIDTH × HEIGHT) whose invalid points are NaN — kept here, dropped and counted by pillarize.
// - PLY: ascii, binary_little_endian and binary_big_endian; the vertex element's x, y, z and an
//   intensity-like property (intensity, scalar_intensity, reflectance).
// Malformed headers and truncated data are FormatErrors naming the file and what is wrong.
#include "PointFiles.h"

#include <filesystem>

namespace ls::pointcloud {

PointArray readPcd(const std::filesystem::path& path);
PointArray readPly(const std::filesystem::path& path);

} // namespace ls::pointcloud
