#include "OptionalStage.h"
#include "TileBinning.h"

#include <algorithm>
#include <numeric>

namespace ls::rf {

TileBins binAndSortCpu(const std::vector<float>& u, const std::vector<float>& v, const std::vector<int>& extent,
                       const std::vector<float>& range, const PixelMapping& mapping, LatencyRecorder* recorder)
{
    const int across = tilesAcross(mapping), tiles = across * tilesDown(mapping);
    TileBins bins;
    std::vector<std::uint64_t> keys;
    std::vector<std::uint32_t> ids;
    {
        OptionalStage stage(recorder, "bin");
        for (std::size_t g = 0; g < u.size(); ++g) {
            TileFootprint footprint;
            if (tileFootprint(u[g], v[g], extent[g * 2], extent[g * 2 + 1], mapping, footprint) == 0)
                continue;
            for (int row = footprint.rowBegin; row < footprint.rowEnd; ++row)
                for (int run = 0; run < footprint.runs; ++run)
                    for (int column = footprint.columnBegin[run]; column < footprint.columnEnd[run]; ++column) {
                        keys.push_back(tileKey(row * across + column, range[g]));
                        ids.push_back(static_cast<std::uint32_t>(g));
                    }
        }
    }
    OptionalStage stage(recorder, "sort");
    std::vector<std::uint32_t> order(keys.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return keys[a] < keys[b]; });
    bins.keys.resize(keys.size());
    bins.gaussianIds.resize(keys.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        bins.keys[i] = keys[order[i]];
        bins.gaussianIds[i] = ids[order[i]];
    }
    bins.tileBegin.assign(tiles, 0);
    bins.tileEnd.assign(tiles, 0);
    for (std::size_t i = 0; i < bins.keys.size(); ++i) {
        const auto tile = static_cast<std::size_t>(bins.keys[i] >> 32);
        if (i == 0 || (bins.keys[i - 1] >> 32) != tile)
            bins.tileBegin[tile] = static_cast<std::uint32_t>(i);
        bins.tileEnd[tile] = static_cast<std::uint32_t>(i + 1);
    }
    return bins;
}

} // namespace ls::rf
