#pragma once
// Point Transformer V3's serialization (Wu et al., CVPR 2024), on our pillar grid: a cell's
// integer (x, y) mapped to its index along a space-filling curve over a 2^depth × 2^depth square,
// so that sorting by the code walks the cloud along the curve. Cut into equal-size groups, that
// is PTv3's patch attention with FlatFormer's grouping. Pillars are 2D, so these are the 2D
// curves: PTv3 serializes 3D voxels the same way.
//   z-order: the bits of x and y interleaved, x in the even (lower) bit of each pair.
//   Hilbert: the classic quadrant recursion: at each level (from the top) the quadrant's index
//            along the curve (0 lower-left, 1 upper-left, 2 upper-right, 3 lower-right), then the
//            sub-square turned so that its curve joins its neighbours' (cells 1 apart in code are
//            1 apart in space).
//   transposed: the same curve with x and y swapped (PTv3's "z-trans", "hilbert-trans").
#include "engine/core/HostDevice.h"

#include <stdint.h>

namespace ls::pointcloud {

LS_HOST_DEVICE int64_t zOrderCode(uint32_t x, uint32_t y, int depth)
{
    int64_t code = 0;
    for (int bit = 0; bit < depth; ++bit)
        code |= static_cast<int64_t>((x >> bit) & 1u) << (2 * bit) | static_cast<int64_t>((y >> bit) & 1u) << (2 * bit + 1);
    return code;
}

// Turns a sub-square so that its curve starts and ends where its quadrant's does.
LS_HOST_DEVICE void hilbertTurn(uint32_t side, uint32_t& x, uint32_t& y, uint32_t rx, uint32_t ry)
{
    if (ry == 0) {
        if (rx == 1) {
            x = side - 1 - x;
            y = side - 1 - y;
        }
        const uint32_t t = x;
        x = y;
        y = t;
    }
}

LS_HOST_DEVICE int64_t hilbertCode(uint32_t x, uint32_t y, int depth)
{
    const uint32_t side = 1u << depth;
    int64_t code = 0;
    for (uint32_t s = side / 2; s > 0; s /= 2) {
        const uint32_t rx = (x & s) ? 1u : 0u, ry = (y & s) ? 1u : 0u;
        code += static_cast<int64_t>(s) * s * ((3u * rx) ^ ry);
        hilbertTurn(side, x, y, rx, ry);
    }
    return code;
}

// The inverses, for the tests and for drawing a curve.
LS_HOST_DEVICE void zOrderCell(int64_t code, int depth, uint32_t& x, uint32_t& y)
{
    x = y = 0;
    for (int bit = 0; bit < depth; ++bit) {
        x |= static_cast<uint32_t>((code >> (2 * bit)) & 1) << bit;
        y |= static_cast<uint32_t>((code >> (2 * bit + 1)) & 1) << bit;
    }
}

LS_HOST_DEVICE void hilbertCell(int64_t code, int depth, uint32_t& x, uint32_t& y)
{
    x = y = 0;
    for (uint32_t s = 1; s < (1u << depth); s *= 2) {
        const uint32_t rx = 1u & static_cast<uint32_t>(code / 2), ry = 1u & static_cast<uint32_t>(code ^ rx);
        hilbertTurn(s, x, y, rx, ry);
        x += s * rx;
        y += s * ry;
        code /= 4;
    }
}

// Bits per coordinate for a grid of `cells` along its longer side.
LS_HOST_DEVICE int curveDepth(int cells)
{
    int depth = 0;
    while ((1 << depth) < cells)
        ++depth;
    return depth;
}

} // namespace ls::pointcloud
