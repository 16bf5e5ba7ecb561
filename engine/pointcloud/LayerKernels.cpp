#include "LayerKernels.h"

#include "engine/core/Error.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace ls::pointcloud {

bool cpuHasAvx2Fma()
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

#if !LS_HAS_AVX2_KERNELS
// Not an x86-64 GCC/Clang build: no AVX2 variant, and cpuHasAvx2Fma() is false; callers that
// name the variant (the agreement test) still link.
namespace avx2 {
const LayerKernels& layerKernels()
{
    return baseline::layerKernels();
}
} // namespace avx2
#endif

const LayerKernels& layerKernels()
{
    static const LayerKernels& chosen = [&]() -> const LayerKernels& {
        const char* forced = std::getenv("LATENCY_STUDIO_ISA");
        const bool baselineForced = forced && std::strcmp(forced, "baseline") == 0;
        if (forced && *forced && !baselineForced && std::strcmp(forced, "auto") != 0)
            throw ArgumentError(std::string("LATENCY_STUDIO_ISA is '") + forced + "'; give 'baseline' or 'auto'");
#if LS_HAS_AVX2_KERNELS
        if (cpuHasAvx2Fma() && !baselineForced)
            return avx2::layerKernels();
#endif
        return baseline::layerKernels();
    }();
    return chosen;
}

} // namespace ls::pointcloud
