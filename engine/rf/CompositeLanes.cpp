// The lane kernels of CompositeLanes.h, built twice: for baseline x86-64 (each eight-lane operation
// as two SSE instructions) and for x86-64-v3 (AVX2, one instruction), the loader picking the one
// the CPU runs (GCC/Clang function multi-versioning). Floating-point contraction is off for this
// file (CMakeLists.txt), so both builds round exactly as the scalar walk does.
#include "CompositeLanes.h"

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

LS_LANE_CLONES void compositeTileForwardLanes(const ForwardLaneTile& tile, lanes::Floats* accumulated)
{
    compositeTileForward<lanes::Floats>(tile, accumulated);
}

LS_LANE_CLONES void compositeTileBackwardLanes(const BackwardLaneTile& tile, const BackwardLaneScratch<lanes::Floats>& scratch)
{
    compositeTileBackward<lanes::Floats>(tile, scratch);
}

} // namespace ls::rf
