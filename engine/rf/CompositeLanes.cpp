// The lane kernels of CompositeLanes.h, built twice: for baseline x86-64 (each eight-lane operation
// as two SSE instructions) and for x86-64-v3 (AVX2, one instruction), the loader picking the one
// the CPU runs (GCC/Clang function multi-versioning). Floating-point contraction is off for this
// file (CMakeLists.txt), so both builds round exactly as the one-pixel body (V = float) does.
#include "CompositeLanes.h"

#include <algorithm>
#include <cmath>
#include <limits>

// Sanitizer builds keep the baseline build alone: their runtime starts after the loader resolves
// the clones, and the baseline build checks the same lane logic.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LS_LANES_SANITIZED
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define LS_LANES_SANITIZED
#endif
#if defined(__x86_64__) && !defined(LS_LANES_SANITIZED)
#define LS_LANE_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LS_LANE_CLONES
#endif

LS_LANES_BEGIN // to the end of the file: GCC reports the clones' ABI note at its end
namespace ls::rf {

SplatCuts splatCuts(const RenderState& state, float alphaThreshold)
{
    SplatCuts cuts;
    splatCutsInto(state, alphaThreshold, cuts);
    return cuts;
}

void splatCutsInto(const RenderState& state, float alphaThreshold, SplatCuts& cuts)
{
    const std::size_t n = state.opacity.size();
    cuts.minPower.resize(n); // every value is written below
    cuts.reach.assign(n * 2, std::numeric_limits<float>::infinity());
    for (std::size_t g = 0; g < n; ++g) {
        cuts.minPower[g] = alphaCutPower<float>(state.opacity[g], alphaThreshold);
        const double level = -2.0 * static_cast<double>(cuts.minPower[g]);
        const double a = state.conic[g * 3], b = state.conic[g * 3 + 1], c = state.conic[g * 3 + 2], determinant = a * c - b * b;
        if (level < 0) {
            cuts.reach[g * 2] = cuts.reach[g * 2 + 1] = -1; // α under the threshold everywhere
        } else if (std::isfinite(level) && determinant > 0 && a > 0 && c > 0) {
            cuts.reach[g * 2] = static_cast<float>(std::sqrt(level * c / determinant) + 1.0);
            cuts.reach[g * 2 + 1] = static_cast<float>(std::sqrt(level * a / determinant) + 1.0);
        } // else (no cut, or a conic that is not positive definite): infinite, every pixel walks it
    }
}

void describeTile(LaneTile& into, const RenderSettings& settings, std::size_t tile, const TileSplats<float>& splats, int outputs,
                  std::vector<std::int32_t>& rowList)
{
    const PixelMapping& mapping = settings.mapping;
    const int across = tilesAcross(mapping), tileRow = static_cast<int>(tile) / across, tileColumn = static_cast<int>(tile) % across;
    rowList.resize(splats.ids.size());
    into.splats = &splats;
    into.count = static_cast<int>(splats.ids.size());
    into.rowBegin = tileRow * kTileSize;
    into.rowEnd = std::min(mapping.height, (tileRow + 1) * kTileSize);
    into.columnBegin = tileColumn * kTileSize;
    into.columnEnd = std::min(mapping.width, (tileColumn + 1) * kTileSize);
    into.width = mapping.width;
    into.pixels = static_cast<std::size_t>(mapping.width) * mapping.height;
    into.outputs = outputs;
    into.alphaThreshold = settings.alphaThreshold;
    into.rowList = rowList.data();
}

LS_LANE_CLONES void compositeTileForwardLanes(const ForwardLaneTile& tile, lanes::Floats* weights)
{
    compositeTileForward<lanes::Floats>(tile, weights);
}

LS_LANE_CLONES void compositeTileBackwardLanes(const BackwardLaneTile& tile, const BackwardLaneScratch<lanes::Floats>& scratch)
{
    compositeTileBackward<lanes::Floats>(tile, scratch);
}

} // namespace ls::rf
