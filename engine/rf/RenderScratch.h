#pragma once
// The CPU render's and backward's scratch: binning's footprints and lists, the walks' cuts, and per
// worker the tile's staged splats, lane buffers and index lists. A RenderState keeps one from call
// to call (RenderScratchHolder, SplatRenderer.h), so a training step that renders into the same
// state allocates none of it once it has grown. None of it is part of what the state describes.
#include "CompositeLanes.h"
#include "TileBinning.h"

#include <cstdint>
#include <vector>

namespace ls::rf {

struct WalkScratch {
    TileSplats<float> splats;
    lanes::Buffer weights, upstream, gradient;
    std::vector<std::int32_t> rowList, weightedSplats;
    std::vector<float> accumulated; // the one-pixel forward walk's channels
};

struct RenderScratch {
    BinningScratch binning;
    SplatCuts cuts;
    std::vector<WalkScratch> workers; // sized before a parallel walk, never inside one
    std::vector<WalkScratch>& forWorkers(std::size_t count)
    {
        if (workers.size() < count)
            workers.resize(count);
        return workers;
    }
};

} // namespace ls::rf
