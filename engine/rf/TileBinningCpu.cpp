#include "OptionalStage.h"
#include "TileBinning.h"

#include <algorithm>

namespace ls::rf {

// The list a stable sort of every (tile, range) key would give, built without sorting it: the
// drawn Gaussians are sorted by range once (N of them, not the M ≫ N list entries), then each one's
// entries are counted into its tiles (a counting sort by tile, stable), so every tile's run comes
// out front to back, ties in Gaussian order, as the sorted keys have them. On a trained
// 2,400-Gaussian field this took the sort stage from 1.5 ms to a fraction of it.
TileBins binAndSortCpu(const std::vector<float>& u, const std::vector<float>& v, const std::vector<int>& extent,
                       const std::vector<float>& range, const PixelMapping& mapping, LatencyRecorder* recorder)
{
    TileBins bins;
    BinningScratch scratch;
    binAndSortCpuInto(u, v, extent, range, mapping, recorder, bins, scratch);
    return bins;
}

void binAndSortCpuInto(const std::vector<float>& u, const std::vector<float>& v, const std::vector<int>& extent, const std::vector<float>& range,
                       const PixelMapping& mapping, LatencyRecorder* recorder, TileBins& bins, BinningScratch& scratch)
{
    const int across = tilesAcross(mapping), tiles = across * tilesDown(mapping);
    std::vector<TileFootprint>& footprints = scratch.footprints;
    std::vector<std::uint32_t>& drawn = scratch.drawn;
    std::vector<std::uint32_t>& counts = scratch.counts;
    footprints.resize(u.size()); // each one is written below before it is read
    drawn.clear();
    counts.assign(tiles, 0);
    auto forEachTile = [&](const TileFootprint& footprint, auto&& visit) {
        for (int row = footprint.rowBegin; row < footprint.rowEnd; ++row)
            for (int run = 0; run < footprint.runs; ++run)
                for (int column = footprint.columnBegin[run]; column < footprint.columnEnd[run]; ++column)
                    visit(row * across + column);
    };
    {
        OptionalStage stage(recorder, "bin");
        for (std::size_t g = 0; g < u.size(); ++g) {
            if (tileFootprint(u[g], v[g], extent[g * 2], extent[g * 2 + 1], mapping, footprints[g]) == 0)
                continue;
            drawn.push_back(static_cast<std::uint32_t>(g));
            forEachTile(footprints[g], [&](int tile) { ++counts[tile]; });
        }
    }
    OptionalStage stage(recorder, "sort");
    auto rangeBits = [&](std::uint32_t g) { return static_cast<std::uint32_t>(tileKey(0, range[g])); };
    // Ties in Gaussian order, as a stable sort would leave them (drawn is in Gaussian order): by
    // (range, id) with std::sort, which needs no buffer of its own.
    std::sort(drawn.begin(), drawn.end(),
              [&](std::uint32_t a, std::uint32_t b) { return rangeBits(a) != rangeBits(b) ? rangeBits(a) < rangeBits(b) : a < b; });
    bins.tileBegin.assign(tiles, 0);
    bins.tileEnd.assign(tiles, 0);
    std::vector<std::uint32_t>& next = scratch.next;
    next.resize(tiles); // every entry is written below
    std::uint32_t total = 0;
    for (int tile = 0; tile < tiles; ++tile) {
        next[tile] = total;
        total += counts[tile];
    }
    bins.keys.resize(total);
    bins.gaussianIds.resize(total);
    for (const std::uint32_t g : drawn)
        forEachTile(footprints[g], [&](int tile) {
            const std::uint32_t at = next[tile]++;
            bins.keys[at] = tileKey(tile, range[g]);
            bins.gaussianIds[at] = g;
        });
    for (int tile = 0; tile < tiles; ++tile)
        if (counts[tile] > 0) { // an empty tile's run stays [0, 0)
            bins.tileEnd[tile] = next[tile];
            bins.tileBegin[tile] = next[tile] - counts[tile];
        }
}

} // namespace ls::rf
