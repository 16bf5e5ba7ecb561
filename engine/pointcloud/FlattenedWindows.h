#pragma once
// FlatFormer's flattening (Liu et al., CVPR 2023): pillars are ordered window by window along one
// axis, in a snake (zig-zag) order both across windows and inside each window, so that neighbours
// in the order are neighbours in space; the order is then cut into groups of EQUAL SIZE, which may
// cross window boundaries. Four layer kinds alternate: x, x shifted, y, y shifted (a shift adds half
// a window before windowing).
//
// The order key is the reference implementation's (mit-han-lab/flatformer), so our permutation can
// be compared index for index with it: with window (wx, wy), Wx = 2wx, Wy = 2wy, Nx = 2(⌈nx/wx⌉+1),
// Ny = 2(⌈ny/wy⌉+1), window (x1, y1) = (x div wx, y div wy), position (x2, y2) = (x mod wx, y mod wy):
//   key_x = (Nx·y1 + (−1)^y1·x1)·Wx·Wy + (−1)^y1·(Wy·x2 + (−1)^x2·y2)
//   key_y = (Ny·x1 + (−1)^x1·y1)·Wy·Wx + (−1)^x1·(Wx·y2 + (−1)^y2·x2)
// Samples of a batch come first: the sample index sits above bit 40. (The reference adds
// sample·nx·ny·10 instead, which is too small when windows are large against the grid — e.g.
// 87 × 43 pillars with 9 × 7 windows — and then interleaves samples; within a sample the orders agree.)
#include "SerializedOrder.h"
#include "engine/core/HostDevice.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ls::pointcloud {

struct GridShape {
    int nx = 468, ny = 468; // pillars along x and y (the reference's sparse shape)
};

struct WindowShape {
    int wx = 13, wy = 13;
};

enum class SortAxis { X, Y };

// What a layer sorts by: FlatFormer's windows, or a space-filling curve (SerializedOrder.h), for
// which axis Y means transposed (x and y swapped) and `shifted` is unused.
enum class Curve { Window, ZOrder, Hilbert };

struct LayerKind {
    SortAxis axis = SortAxis::X;
    bool shifted = false;
    Curve curve = Curve::Window;
};

// The reference's alternation inside one block: x, x shifted, y, y shifted.
constexpr LayerKind kBlockLayers[4] = {{SortAxis::X, false}, {SortAxis::X, true}, {SortAxis::Y, false}, {SortAxis::Y, true}};

// Integer pillar coordinates, one entry per pillar.
struct PillarCoords {
    std::vector<std::int32_t> sample; // [P] index of the cloud in the batch
    std::vector<std::int32_t> x;      // [P] in [0, nx)
    std::vector<std::int32_t> y;      // [P] in [0, ny)
    std::size_t size() const { return x.size(); }
};

LS_HOST_DEVICE std::int64_t flattenKey(std::int32_t sample, std::int32_t x, std::int32_t y, GridShape grid, WindowShape window,
                                       LayerKind kind)
{
    if (kind.curve != Curve::Window) { // PTv3: the cell's code along the curve, samples first as below
        const bool transposed = kind.axis == SortAxis::Y;
        const auto cx = static_cast<std::uint32_t>(transposed ? y : x), cy = static_cast<std::uint32_t>(transposed ? x : y);
        const int depth = curveDepth(grid.nx > grid.ny ? grid.nx : grid.ny); // ≤ 20 for any grid in memory: codes < 2^40
        const std::int64_t code = kind.curve == Curve::ZOrder ? zOrderCode(cx, cy, depth) : hilbertCode(cx, cy, depth);
        return code + (static_cast<std::int64_t>(sample) << 40);
    }
    const std::int64_t sx = kind.shifted ? window.wx / 2 : 0, sy = kind.shifted ? window.wy / 2 : 0;
    const std::int64_t px = x + sx, py = y + sy;
    const std::int64_t x1 = px / window.wx, y1 = py / window.wy, x2 = px % window.wx, y2 = py % window.wy;
    const std::int64_t wx2 = 2 * window.wx, wy2 = 2 * window.wy;
    const std::int64_t windowsX = 2 * ((grid.nx + window.wx - 1) / window.wx + 1);
    const std::int64_t windowsY = 2 * ((grid.ny + window.wy - 1) / window.wy + 1);
    auto sign = [](std::int64_t v) -> std::int64_t { return (v & 1) ? -1 : 1; };
    // Keys within a sample are ≥ 0 and below 8·(nx + 2wx)·(ny + 2wy) < 2^40 for any grid that fits in memory.
    const std::int64_t sampleOffset = static_cast<std::int64_t>(sample) << 40;
    if (kind.axis == SortAxis::X)
        return (windowsX * y1 + sign(y1) * x1) * wx2 * wy2 + sign(y1) * (wy2 * x2 + sign(x2) * y2) + sampleOffset;
    return (windowsY * x1 + sign(x1) * y1) * wy2 * wx2 + sign(x1) * (wx2 * y2 + sign(y2) * x2) + sampleOffset;
}

// The permutation that sorts the pillars by key: order[i] is the pillar at position i. Keys are
// unique (one pillar per cell and sample), so the order is unique too.
std::vector<std::int32_t> flattenOrderCpu(const PillarCoords& pillars, GridShape grid, WindowShape window, LayerKind kind);

// Equal-size groups over a flattened order of a batch: each sample's run of the order is padded to
// a multiple of `groupSize`. A padding slot repeats the token one group earlier (as the reference
// does, so no attention mask is needed there); an empty sample has no groups. Samples never share
// a group. A sample with fewer tokens than one group fills its one group cyclically, and that
// group's keys are its real tokens only (`groupKeys`): repeating keys would weight some tokens
// twice, which equals attention over the real pillars only when the group size is a multiple of
// the count. Attention over the first groupKeys[g] slots is exactly what a reference gets by
// dropping the padding.
struct Grouping {
    int groupSize = 0;
    std::vector<std::int32_t> slotToOrder;  // [G·groupSize] position in the flattened order each slot holds
    std::vector<std::int32_t> orderToSlot;  // [P] the slot where each position's own result lives
    std::vector<std::int64_t> sampleSlots;  // [samples + 1] slot range of each sample
    std::vector<std::int32_t> groupKeys;    // [G] keys each group attends to: its first groupKeys[g] slots
    std::size_t groupCount() const { return groupSize ? slotToOrder.size() / groupSize : 0; }
};

// `samplesInOrder[i]`: the sample of the pillar at order position i (non-decreasing, as the key
// puts samples first). `sampleCount` covers empty samples at the end.
Grouping groupEqualSize(std::span<const std::int32_t> samplesInOrder, int sampleCount, int groupSize);

} // namespace ls::pointcloud
