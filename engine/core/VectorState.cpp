#include "VectorState.h"

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace ls {

void clearUpperVectorState()
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    static const bool hasAvx = __builtin_cpu_supports("avx");
    if (hasAvx)
        asm volatile("vzeroupper" ::: "memory");
#endif
}

#if defined(__x86_64__)
namespace {
constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040; // MXCSR bits 15 and 6
} // namespace

FlushDenormals::FlushDenormals() : saved_(_mm_getcsr())
{
    _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero);
}

FlushDenormals::~FlushDenormals()
{
    _mm_setcsr(saved_);
}

bool FlushDenormals::activeOnThisThread()
{
    const unsigned mode = _mm_getcsr();
    return (mode & kFlushToZero) && (mode & kDenormalsAreZero);
}
#else
FlushDenormals::FlushDenormals() = default;
FlushDenormals::~FlushDenormals() = default;
bool FlushDenormals::activeOnThisThread() { return false; }
#endif

} // namespace ls
