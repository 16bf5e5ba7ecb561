#pragma once
// Directional sort: every splat is duplicated once per 16×16 tile it touches, keyed
//   key = (tile id << 32) | bits(range as float)
// so one radix/stable sort of the keys orders the list by tile and, within a tile, front to back
// (positive floats order like their bit patterns). The CPU and CUDA paths build the same keys.
#include "HemisphereProjection.h"

#include "engine/core/LatencyRecorder.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace ls::rf {

inline constexpr int kTileSize = 16;

LS_HOST_DEVICE int tilesAcross(const PixelMapping& mapping) { return (mapping.width + kTileSize - 1) / kTileSize; }
LS_HOST_DEVICE int tilesDown(const PixelMapping& mapping) { return (mapping.height + kTileSize - 1) / kTileSize; }

// The tiles a splat at (u, v) reaching `columns` pixels across and `rows` down either side touches:
// rows [rowBegin, rowEnd) of tiles and up to two runs of tile columns (two when it straddles the
// azimuth seam). Returns the tile count.
struct TileFootprint {
    int rowBegin = 0, rowEnd = 0;
    int columnBegin[2] = {0, 0}, columnEnd[2] = {0, 0};
    int runs = 0;
};

LS_HOST_DEVICE int tileFootprint(float u, float v, int columns, int rows, const PixelMapping& mapping, TileFootprint& footprint)
{
    footprint = TileFootprint{};
    const int firstRow = static_cast<int>(::floor(v - rows)), lastRow = static_cast<int>(::ceil(v + rows));
    const int rowLo = firstRow < 0 ? 0 : firstRow, rowHi = lastRow >= mapping.height ? mapping.height - 1 : lastRow;
    if (rowLo > rowHi || rows <= 0 || columns <= 0)
        return 0;
    footprint.rowBegin = rowLo / kTileSize;
    footprint.rowEnd = rowHi / kTileSize + 1;
    const int across = tilesAcross(mapping);
    const int firstColumn = static_cast<int>(::floor(u - columns)), lastColumn = static_cast<int>(::ceil(u + columns));
    if (lastColumn - firstColumn + 1 >= mapping.width) { // wider than the map: every column
        footprint.columnBegin[0] = 0;
        footprint.columnEnd[0] = across;
        footprint.runs = 1;
    } else {
        // Column interval on the unwrapped line, split at the seam into at most two runs.
        int lo[2], hi[2], runs = 0;
        if (firstColumn < 0) {
            lo[runs] = firstColumn + mapping.width, hi[runs++] = mapping.width - 1;
            lo[runs] = 0, hi[runs++] = lastColumn;
        } else if (lastColumn >= mapping.width) {
            lo[runs] = firstColumn, hi[runs++] = mapping.width - 1;
            lo[runs] = 0, hi[runs++] = lastColumn - mapping.width;
        } else {
            lo[runs] = firstColumn, hi[runs++] = lastColumn;
        }
        for (int run = 0; run < runs; ++run) {
            footprint.columnBegin[run] = lo[run] / kTileSize;
            footprint.columnEnd[run] = hi[run] / kTileSize + 1;
        }
        footprint.runs = runs;
        // Nearly the whole circle: the two runs can share a tile (the map's width need not be a
        // multiple of the tile), which must not be listed twice. Then every column is covered.
        if (runs == 2 && footprint.columnBegin[0] < footprint.columnEnd[1]) {
            footprint.columnBegin[0] = 0;
            footprint.columnEnd[0] = across;
            footprint.runs = 1;
        }
    }
    int tiles = 0;
    for (int run = 0; run < footprint.runs; ++run)
        tiles += footprint.columnEnd[run] - footprint.columnBegin[run];
    return tiles * (footprint.rowEnd - footprint.rowBegin);
}

LS_HOST_DEVICE std::uint64_t tileKey(int tile, float range)
{
    std::uint32_t rangeBits;
    memcpy(&rangeBits, &range, sizeof rangeBits);
    return (static_cast<std::uint64_t>(tile) << 32) | rangeBits;
}

// The sorted (tile, range) list and where each tile's run of it begins and ends.
struct TileBins {
    std::vector<std::uint64_t> keys;        // [M] sorted
    std::vector<std::uint32_t> gaussianIds; // [M] in key order
    std::vector<std::uint32_t> tileBegin;   // [tiles]
    std::vector<std::uint32_t> tileEnd;     // [tiles]
};

// CPU binning and sort of the splats by their cut extents ([N, 2]: columns, rows; 0 = not drawn).
// Stable: equal keys keep Gaussian order.
TileBins binAndSortCpu(const std::vector<float>& u, const std::vector<float>& v, const std::vector<int>& extent,
                       const std::vector<float>& range, const PixelMapping& mapping, LatencyRecorder* recorder);
// binAndSortCpu's own working arrays, kept by a caller that bins again and again.
struct BinningScratch {
    std::vector<TileFootprint> footprints;
    std::vector<std::uint32_t> drawn, counts, next;
};
// The same into `bins`, reusing its arrays' memory and the scratch's (a training step bins every step).
void binAndSortCpuInto(const std::vector<float>& u, const std::vector<float>& v, const std::vector<int>& extent, const std::vector<float>& range,
                       const PixelMapping& mapping, LatencyRecorder* recorder, TileBins& bins, BinningScratch& scratch);

} // namespace ls::rf
