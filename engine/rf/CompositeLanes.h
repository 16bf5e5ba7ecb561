#pragma once
// The CPU composite of one tile, forward and backward, eight pixels of a row at a time
// (PixelLanes.h). A group walks the tile's staged splats once for its eight pixels; each lane
// follows Compositing.h's rules for its own pixel (skip by power, α clamp, skip below the
// threshold, stop before T < 1e-4), masks standing in for the scalar walk's branches, and the group
// stops when every lane has. The exponential is lanes::exponential, the same for every lane.
//
// Always inlined, so that each build of CompositeLanes.cpp compiles its own copy for its CPU.
// Written once as a template on V: V = lanes::Floats is what CompositeLanes.cpp runs; V = float is
// the same body for one pixel, which tst_gsparc_lanes checks the forward lanes against to the bit.
// Both walks are also checked against the scalar walk (RenderSettings::scalarComposite): the render
// to float rounding, the gradients against its double walk.
//
// The backward walk is in float, as the CUDA walk is (the scalar CPU walk it replaces was double).
// Its per-splat sums collect in lanes over the whole tile and are folded to the field's double
// gradients once per tile.
#include "PixelLanes.h"
#include "TileSplats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

LS_LANES_BEGIN
namespace ls::rf {

template <class V> inline constexpr int kLanesOf = 1;
template <> inline constexpr int kLanesOf<lanes::Floats> = lanes::kLanes;
template <class V> using LaneInts = decltype(lanes::truncateToInt(V{}));
template <class V> using LaneMask = decltype(V{} < V{});

// What the walks cut by, per Gaussian: the power below which α is under the threshold
// (alphaCutPower), and the reach [N, 2], how many columns and rows from its centre a pixel can be
// and still keep it. The reach bounds the cut ellipse a·dx² + 2b·dx·dy + c·dy² ≤ −2·minPower,
// whose half-widths are √(level·c/(ac − b²)) across and √(level·a/(ac − b²)) down, plus one pixel
// for the float test at its edge (as cutExtent, which binning uses); infinite without a cut. A group
// skips a splat its pixels lie beyond without computing its power: the results are unchanged.
struct SplatCuts {
    std::vector<float> minPower, reach;
};
SplatCuts splatCuts(const RenderState& state, float alphaThreshold);
void splatCutsInto(const RenderState& state, float alphaThreshold, SplatCuts& into); // reusing into's memory

// One tile's pixels and where their results go. Rows [rowBegin, rowEnd), columns
// [columnBegin, columnEnd) of a width × (pixels / width) map.
struct LaneTile {
    const TileSplats<float>* splats = nullptr;
    int count = 0; // staged splats
    int rowBegin = 0, rowEnd = 0, columnBegin = 0, columnEnd = 0, width = 0;
    std::size_t pixels = 0;
    int outputs = 0;
    float alphaThreshold = 0;
    std::int32_t* rowList = nullptr; // scratch for `count` indices: the splats a row can keep
};

// The tile's place on `settings`' map, its staged splats (count = their number) and the row-list
// scratch (resized to them) into `into`.
void describeTile(LaneTile& into, const RenderSettings& settings, std::size_t tile, const TileSplats<float>& splats, int outputs,
                  std::vector<std::int32_t>& rowList);

struct ForwardLaneTile : LaneTile {
    std::int32_t* weightedSplats = nullptr; // scratch for `count` indices: the splats a group kept
    float* channels = nullptr;              // [outputs, pixels]
    float* finalTransmittance = nullptr; // [pixels]
    std::uint32_t* contributors = nullptr;
};

// Per splat of the tile: dL/du, dL/dv, dL/d(a, b, c), dL/d(opacity), then dL/d(emission) per output.
inline constexpr int kGeometrySlots = 6;

struct BackwardLaneTile : LaneTile {
    const float* finalTransmittance = nullptr;
    const std::uint32_t* contributors = nullptr;
    const double* channelGradient = nullptr; // [outputs, pixels]
};

namespace lanes {

// The splat's column offset wrapped across the azimuth seam (wrappedColumnOffset, lane by lane).
template <class V> LS_LANES_INLINE V wrappedOffset(V column, float centre, int width)
{
    const V offset = column - centre;
    const float half = 0.5f * static_cast<float>(width), whole = static_cast<float>(width);
    return select(offset >= half, offset - whole, select(offset < -half, offset + whole, offset));
}

// splatPower, with the row's part (the same for every lane) computed once.
template <class V> LS_LANES_INLINE V power(float a, float b, float c, V dx, float dy)
{
    const float rowPart = c * dy * dy;
    return -0.5f * (a * dx * dx + rowPart) - b * dx * dy;
}

// The first column of each group and whether its lanes lie in the tile.
template <class V> LS_LANES_INLINE V groupColumns(int first)
{
    if constexpr (kLanesOf<V> == 1)
        return static_cast<float>(first);
    else
        return toFloat(laneSequence(first));
}
template <class V> LS_LANES_INLINE LaneMask<V> groupValid(int first, int end)
{
    if constexpr (kLanesOf<V> == 1)
        return first < end;
    else
        return laneSequence(first) < end;
}

// e^power where the power test keeps the pixel (splatGaussian: 0 past the peak's far side), 1
// where it cuts it: a cut lane's α is masked off anyway, and e^power of a far pixel times the
// opacity would be a denormal, which costs the CPU a hundred cycles per operation.
template <class V> LS_LANES_INLINE V cutGaussian(V power, float minPower)
{
    return select(power > 0.0f, V{}, exponential(select(power >= minPower, power, V{})));
}

// The staged arrays as plain pointers held in registers: through the vectors' members, every
// store to the accumulators made the compiler load each array's address again.
struct SplatArrays {
    const float *__restrict u, *__restrict v, *__restrict a, *__restrict b, *__restrict c, *__restrict opacity, *__restrict minPower,
        *__restrict columnReach, *__restrict rowReach;
    const float* const* __restrict emission;
    explicit SplatArrays(const TileSplats<float>& s)
        : u(s.u.data()), v(s.v.data()), a(s.a.data()), b(s.b.data()), c(s.c.data()), opacity(s.opacity.data()), minPower(s.minPower.data()),
          columnReach(s.columnReach.data()), rowReach(s.rowReach.data()), emission(s.emission.data())
    {
    }
};

// The staged splats whose reach covers `row`, in order, into tile.rowList; their count.
LS_LANES_INLINE int listRow(const LaneTile& tile, const SplatArrays& s, int row)
{
    int listed = 0;
    for (int j = 0; j < tile.count; ++j) { // without a branch: which splats a row keeps is no pattern
        tile.rowList[listed] = j;
        listed += !(std::abs(static_cast<float>(row) - s.v[j]) > s.rowReach[j]);
    }
    return listed;
}

// Whether splat j's reach covers any of the group's columns: its offset from the group's middle
// column, less half the group's span (the wrapped distance changes by at most one per column).
template <class V> LS_LANES_INLINE bool reachesGroup(const SplatArrays& s, int j, int first, int width)
{
    constexpr float halfSpan = 0.5f * (kLanesOf<V> - 1);
    const float middle = static_cast<float>(first) + halfSpan;
    return !(std::abs(wrappedOffset(middle, s.u[j], width)) - halfSpan > s.columnReach[j]);
}

// Splat j at a group's pixels: the offsets, the power, α (clamped) and where the walk keeps it
// (power and threshold; the caller adds which lanes are still walking).
template <class V> struct SplatAt {
    V dx;
    float dy;
    V power, gaussian, rawAlpha, alpha;
    LaneMask<V> kept;
};
template <class V> LS_LANES_INLINE SplatAt<V> splatAt(const SplatArrays& s, int j, V column, int row, int width, float alphaThreshold)
{
    SplatAt<V> at;
    at.dx = wrappedOffset(column, s.u[j], width);
    at.dy = static_cast<float>(row) - s.v[j];
    at.power = power(s.a[j], s.b[j], s.c[j], at.dx, at.dy);
    at.gaussian = cutGaussian(at.power, s.minPower[j]);
    at.rawAlpha = s.opacity[j] * at.gaussian;
    at.alpha = select(at.rawAlpha < kMaxAlpha, at.rawAlpha, V{} + kMaxAlpha);
    at.kept = both(at.power >= s.minPower[j], at.alpha >= alphaThreshold);
    return at;
}

template <class V> LS_LANES_INLINE void store(V value, float* to, int valid)
{
    for (int i = 0; i < valid; ++i)
        to[i] = lane(value, i);
}

} // namespace lanes

// Front to back through the tile's splats for every pixel of `tile`, then each channel summed from
// the splats' weights α·T; `weights` holds tile.count values of V.
template <class V> LS_LANES_INLINE void compositeTileForward(const ForwardLaneTile& tile, V* __restrict weights)
{
    using namespace lanes;
    using I = LaneInts<V>;
    const SplatArrays s(*tile.splats);
    const int width = tile.width, outputs = tile.outputs;
    const float alphaThreshold = tile.alphaThreshold;
    for (int row = tile.rowBegin; row < tile.rowEnd; ++row) {
        const int listed = listRow(tile, s, row);
        for (int first = tile.columnBegin; first < tile.columnEnd; first += kLanesOf<V>) {
            const V column = groupColumns<V>(first);
            auto active = groupValid<V>(first, tile.columnEnd);
            int weighted = 0;
            V transmittance = V{} + 1.0f;
            I contributors = I{};
            for (int k = 0; k < listed; ++k) {
                const int j = tile.rowList[k];
                if (!reachesGroup<V>(s, j, first, width))
                    continue;
                // No branch on whether any lane keeps the splat: about a third of the splats a
                // group reaches are cut at all its pixels, too many to predict, and a wrong guess
                // throws away the work in flight (with the branch, the composite of a trained
                // 2,400-Gaussian field took 10.6 ms instead of 8.0). Lanes that cut it add zero
                // and keep their T.
                const SplatAt<V> at = splatAt(s, j, column, row, width, alphaThreshold);
                const V alpha = at.alpha;
                auto keep = both(active, at.kept);
                const V next = transmittance * (1.0f - alpha);
                const auto saturated = both(keep, next < kMinTransmittance);
                const bool someSaturated = any(saturated); // rare: once per pixel at most
                if (someSaturated) {
                    active = andNot(active, saturated);
                    keep = andNot(keep, saturated);
                }
                weights[weighted] = select(keep, alpha * transmittance, V{});
                tile.weightedSplats[weighted] = j;
                weighted += any(keep); // kept nowhere: overwritten by the next
                transmittance = select(keep, next, transmittance);
                contributors = select(keep, I{} + (j + 1), contributors);
                if (someSaturated && !any(active))
                    break;
            }
            const int valid = std::min(kLanesOf<V>, tile.columnEnd - first);
            const std::size_t pixel = static_cast<std::size_t>(row) * width + first;
            // C[o] = Σ e[o]·α·T over the kept splats in walk order, four outputs at a time: their
            // sums stay in registers (added splat by splat in memory, 16 channels of a batch of 8
            // made the walk twice as slow).
            int o = 0;
            for (; o + 4 <= outputs; o += 4) {
                V sum0{}, sum1{}, sum2{}, sum3{};
                for (int q = 0; q < weighted; ++q) {
                    const float* emission = s.emission[tile.weightedSplats[q]] + o;
                    const V weight = weights[q];
                    sum0 += emission[0] * weight;
                    sum1 += emission[1] * weight;
                    sum2 += emission[2] * weight;
                    sum3 += emission[3] * weight;
                }
                for (const auto& [offset, sum] : {std::pair{0, sum0}, {1, sum1}, {2, sum2}, {3, sum3}})
                    store(sum, tile.channels + (o + offset) * tile.pixels + pixel, valid);
            }
            for (; o < outputs; ++o) {
                V sum{};
                for (int q = 0; q < weighted; ++q)
                    sum += s.emission[tile.weightedSplats[q]][o] * weights[q];
                store(sum, tile.channels + o * tile.pixels + pixel, valid);
            }
            store(transmittance, tile.finalTransmittance + pixel, valid);
            for (int i = 0; i < valid; ++i)
                tile.contributors[pixel + i] = static_cast<std::uint32_t>(lane(contributors, i));
        }
    }
}

// `upstream`: the group's dL/dchannel, `outputs` values of V; `gradient` holds
// (kGeometrySlots + outputs) values of V per staged splat, zeroed by the caller, summed into here.
template <class V> struct BackwardLaneScratch {
    V* upstream;
    V* gradient;
};

// Back to front from each pixel's last contributor (the forward walk reversed, T recovered by
// division), adding every splat's gradient at the group's pixels into scratch.gradient.
template <class V> LS_LANES_INLINE void compositeTileBackward(const BackwardLaneTile& tile, const BackwardLaneScratch<V>& scratch)
{
    using namespace lanes;
    using I = LaneInts<V>;
    const SplatArrays s(*tile.splats);
    const int width = tile.width, outputs = tile.outputs;
    const float alphaThreshold = tile.alphaThreshold;
    const int slotCount = kGeometrySlots + outputs;
    for (int row = tile.rowBegin; row < tile.rowEnd; ++row) {
        const int listed = listRow(tile, s, row);
        for (int first = tile.columnBegin; first < tile.columnEnd; first += kLanesOf<V>) {
            const V column = groupColumns<V>(first);
            const auto valid = groupValid<V>(first, tile.columnEnd);
            const int validLanes = std::min(kLanesOf<V>, tile.columnEnd - first);
            const std::size_t pixel = static_cast<std::size_t>(row) * width + first;
            std::int32_t laneCounts[kLanes];
            float laneValues[kLanes];
            for (int i = 0; i < validLanes; ++i)
                laneCounts[i] = static_cast<std::int32_t>(tile.contributors[pixel + i]);
            const I contributors = load<I>(laneCounts, validLanes, 0);
            V transmittance = load<V>(tile.finalTransmittance + pixel, validLanes, 1.0f);
            for (int o = 0; o < outputs; ++o) {
                for (int i = 0; i < validLanes; ++i)
                    laneValues[i] = static_cast<float>(tile.channelGradient[o * tile.pixels + pixel + i]);
                scratch.upstream[o] = load<V>(laneValues, validLanes, 0.0f);
            }
            // The colour behind a splat enters ∂C/∂α only dotted with the upstream gradient, so the
            // walk carries that dot product B instead of a colour per output: B ← α'·D' + (1 − α')·B,
            // with α' and D' = Σₒ e'[o]·upstream[o] of the splat kept last (behind this one).
            V lastAlpha = V{}, behindDot = V{}, lastDot = V{};
            const int last = max(contributors); // splats from here on composited at none of the pixels
            int k = listed;
            while (k > 0 && tile.rowList[k - 1] >= last)
                --k;
            while (k-- > 0) {
                const int j = tile.rowList[k];
                if (!reachesGroup<V>(s, j, first, width))
                    continue;
                const SplatAt<V> at = splatAt(s, j, column, row, width, alphaThreshold);
                const V alpha = at.alpha, gaussian = at.gaussian, dx = at.dx;
                const float dy = at.dy;
                const auto keep = both(both(valid, j < contributors), at.kept);
                transmittance = select(keep, transmittance / (1.0f - alpha), transmittance); // T before this splat
                const float* emission = s.emission[j];
                V* gradient = scratch.gradient + static_cast<std::size_t>(j) * slotCount;
                const V keptWeight = select(keep, alpha * transmittance, V{}); // ∂C[o]/∂e[o] where kept
                V dot = V{};
                for (int o = 0; o < outputs; ++o) {
                    dot += emission[o] * scratch.upstream[o];
                    gradient[kGeometrySlots + o] += keptWeight * scratch.upstream[o];
                }
                behindDot = select(keep, lastAlpha * lastDot + (1.0f - lastAlpha) * behindDot, behindDot);
                // ∂C/∂αᵢ = Tᵢ(eᵢ − (colour behind i, per unit of light reaching it)), dotted as above.
                const V alphaGradient = transmittance * (dot - behindDot);
                lastDot = select(keep, dot, lastDot);
                lastAlpha = select(keep, alpha, lastAlpha);
                // α clamped at kMaxAlpha: only the emission gradient counts.
                const auto moves = both(keep, at.rawAlpha < kMaxAlpha);
                const V opacityGradient = select(moves, gaussian * alphaGradient, V{});
                const V powerGradient = s.opacity[j] * opacityGradient;
                // power = −½(a dx² + c dy²) − b dx dy, with dx = column − u, dy = row − v
                gradient[0] += (s.a[j] * dx + s.b[j] * dy) * powerGradient;
                gradient[1] += (s.c[j] * dy + s.b[j] * dx) * powerGradient;
                gradient[2] += -0.5f * dx * dx * powerGradient;
                gradient[3] += -dx * dy * powerGradient;
                gradient[4] += -0.5f * dy * dy * powerGradient;
                gradient[5] += opacityGradient;
            }
        }
    }
}

// The eight-lane builds (CompositeLanes.cpp): what renderCpu and compositeBackwardCpu run.
void compositeTileForwardLanes(const ForwardLaneTile& tile, lanes::Floats* weights);
void compositeTileBackwardLanes(const BackwardLaneTile& tile, const BackwardLaneScratch<lanes::Floats>& scratch);

} // namespace ls::rf
LS_LANES_END
