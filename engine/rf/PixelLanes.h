#pragma once
// Eight pixels of a tile row as one value (GCC/Clang vector extensions): the CPU composite walks a
// tile's splats for eight neighbouring pixels at once, as a CUDA warp walks them for 32. Baseline
// x86-64 code runs each operation as two SSE instructions, an AVX2 build (CompositeLanes.cpp's
// clone) as one. Every operation here is the scalar one applied lane by lane, in the same order, so
// a lane computes to the bit what the scalar walk computes for its pixel (tst_gsparc checks it).
#include <cstdint>
#include <cstring>
#include <vector>

#define LS_LANES_INLINE inline __attribute__((always_inline))

// GCC and Clang warn that an eight-float vector passes differently with and without AVX; these functions are
// always inlined, so no such value ever crosses a call between the two builds.
// LS_LANES_BEGIN / LS_LANES_END bracket every header that defines such functions.
#if defined(__clang__)
#define LS_LANES_BEGIN _Pragma("clang diagnostic push") _Pragma("clang diagnostic ignored \"-Wpsabi\"")
#define LS_LANES_END _Pragma("clang diagnostic pop")
#elif defined(__GNUC__)
#define LS_LANES_BEGIN _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wpsabi\"")
#define LS_LANES_END _Pragma("GCC diagnostic pop")
#else
#define LS_LANES_BEGIN
#define LS_LANES_END
#endif
LS_LANES_BEGIN

namespace ls::rf::lanes {

inline constexpr int kLanes = 8;
static_assert(kLanes == 8, "laneSequence lists eight lanes");
using Floats = float __attribute__((vector_size(kLanes * sizeof(float))));
using Ints = std::int32_t __attribute__((vector_size(kLanes * sizeof(std::int32_t))));

// Lane values in memory, zeroed, aligned to their full size. Without AVX, GCC aligns an eight-float
// vector to 16 bytes only (and std::vector drops alignment attributes of its element type), while
// the AVX2 build's aligned loads of the same memory need 32.
class Buffer {
public:
    Floats* zeroed(std::size_t count)
    {
        storage_.assign((count + 1) * kLanes, 0.0f);
        const auto address = reinterpret_cast<std::uintptr_t>(storage_.data());
        constexpr std::uintptr_t size = sizeof(Floats);
        return reinterpret_cast<Floats*>((address + size - 1) & ~(size - 1));
    }

private:
    std::vector<float> storage_;
};
// A comparison's result: all bits set in a lane where it holds, zero where not.
using Mask = Ints;

LS_LANES_INLINE Floats broadcast(float x) { return Floats{} + x; }
LS_LANES_INLINE Ints broadcast(std::int32_t x) { return Ints{} + x; }

// The same bits as another type of the same size.
template <class To, class From> LS_LANES_INLINE To reinterpretBits(const From& from)
{
    static_assert(sizeof(To) == sizeof(From));
    To to;
    std::memcpy(&to, &from, sizeof to);
    return to;
}

LS_LANES_INLINE Floats select(Mask mask, Floats yes, Floats no)
{
    const Ints yesBits = reinterpretBits<Ints>(yes), noBits = reinterpretBits<Ints>(no);
    return reinterpretBits<Floats>((yesBits & mask) | (noBits & ~mask));
}
LS_LANES_INLINE Ints select(Mask mask, Ints yes, Ints no) { return (yes & mask) | (no & ~mask); }
LS_LANES_INLINE bool any(Mask mask)
{
    struct Halves {
        std::int64_t of[kLanes / 2];
    };
    const Halves halves = reinterpretBits<Halves>(mask);
    std::int64_t all = 0;
    for (std::int64_t half : halves.of)
        all |= half;
    return all != 0;
}
LS_LANES_INLINE float lane(Floats x, int i) { return x[i]; }
LS_LANES_INLINE std::int32_t lane(Ints x, int i) { return x[i]; }
LS_LANES_INLINE float sum(Floats x)
{
    float total = 0;
    for (int i = 0; i < kLanes; ++i)
        total += x[i];
    return total;
}
LS_LANES_INLINE std::int32_t max(Ints x)
{
    std::int32_t best = x[0];
    for (int i = 1; i < kLanes; ++i)
        best = x[i] > best ? x[i] : best;
    return best;
}

LS_LANES_INLINE Mask both(Mask a, Mask b) { return a & b; }
LS_LANES_INLINE Mask andNot(Mask a, Mask b) { return a & ~b; }
// Lane i holds first + i.
LS_LANES_INLINE Ints laneSequence(std::int32_t first) { return Ints{0, 1, 2, 3, 4, 5, 6, 7} + first; }

// The scalar twins of the helpers above, so one template body serves a lane group and one pixel.
LS_LANES_INLINE bool any(bool mask) { return mask; }
LS_LANES_INLINE bool both(bool a, bool b) { return a && b; }
LS_LANES_INLINE bool andNot(bool a, bool b) { return a && !b; }
LS_LANES_INLINE float lane(float x, int) { return x; }
LS_LANES_INLINE std::int32_t lane(std::int32_t x, int) { return x; }
LS_LANES_INLINE float sum(float x) { return x; }
LS_LANES_INLINE std::int32_t max(std::int32_t x) { return x; }
LS_LANES_INLINE float select(bool mask, float yes, float no) { return mask ? yes : no; }
LS_LANES_INLINE std::int32_t select(bool mask, std::int32_t yes, std::int32_t no) { return mask ? yes : no; }
LS_LANES_INLINE std::int32_t truncateToInt(float x) { return static_cast<std::int32_t>(x); }
LS_LANES_INLINE Ints truncateToInt(Floats x) { return __builtin_convertvector(x, Ints); }
LS_LANES_INLINE float toFloat(std::int32_t x) { return static_cast<float>(x); }
LS_LANES_INLINE Floats toFloat(Ints x) { return __builtin_convertvector(x, Floats); }
LS_LANES_INLINE float floatFromBits(std::int32_t bits) { return reinterpretBits<float>(bits); }
LS_LANES_INLINE Floats floatFromBits(Ints bits) { return reinterpretBits<Floats>(bits); }

// The first `valid` lanes from memory, the rest `fill` (a group at a tile's ragged right edge).
template <class V, class T> LS_LANES_INLINE V load(const T* values, int valid, T fill)
{
    if constexpr (sizeof(V) == sizeof(T)) {
        return valid > 0 ? values[0] : fill;
    } else {
        V out = V{} + fill;
        for (int i = 0; i < valid; ++i)
            out[i] = values[i];
        return out;
    }
}

LS_LANES_INLINE std::int32_t bitsOfFloat(float x) { return reinterpretBits<std::int32_t>(x); }
LS_LANES_INLINE Ints bitsOfFloat(Floats x) { return reinterpretBits<Ints>(x); }

// e^x for x ≤ 0 in float, the same operations for one value and for eight (libm's expf has no
// vector form at baseline x86-64, and a call per lane would undo the vectorising). Reduction
// x = n·ln2 + r with n = round(x·log₂e), |r| ≤ ½ln2: adding 1.5·2²³ rounds x·log₂e to a whole
// number in the sum's last mantissa bits, which then also give 2ⁿ's exponent bits (no conversions,
// no floor). ln2 is split in two (Cody–Waite) so n·ln2 is exact enough. e^r by the degree-6 minimax
// polynomial of the Cephes library's expf (its published coefficients), evaluated by Estrin's
// scheme: its dependency chain is half as long as Horner's, which the composite's walk waits on.
// Relative error within 2 ulp of e^x over [−87, 0] (tested against double exp in
// tst_gsparc_lanes). Below −87 it returns e^−87 ≈ 1.6e-38 instead of a denormal: every caller cuts
// such an α long before (1/255 is e^−5.5).
template <class V> LS_LANES_INLINE V exponential(V x)
{
    constexpr float kRoundingShift = 12582912.0f; // 1.5·2²³
    x = select(x < -87.0f, V{} + -87.0f, x);
    const V shifted = x * 1.44269504088896341f + kRoundingShift;
    const V whole = shifted - kRoundingShift; // n = round(x·log₂e)
    const V r = (x - whole * 0.693359375f) - whole * -2.12194440e-4f;
    const V r2 = r * r;
    const V low = 5.0000001201e-1f + 1.6666665459e-1f * r, middle = 4.1665795894e-2f + 8.3334519073e-3f * r,
            high = 1.3981999507e-3f + 1.9875691500e-4f * r;
    const V p = (low + middle * r2) + high * (r2 * r2);
    const V expR = (p * r2 + r) + 1.0f;
    // n sits in the low bits of `shifted` (offset by the shift's own bits); 2ⁿ = (n + 127) << 23.
    const auto exponent = (bitsOfFloat(shifted) + (127 - bitsOfFloat(kRoundingShift))) << 23;
    return expR * floatFromBits(exponent);
}

} // namespace ls::rf::lanes

LS_LANES_END
