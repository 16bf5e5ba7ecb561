#pragma once
// The per-pixel rule both renderers share: a splat's α at a pixel offset (dx, dy) from its centre.
#include "engine/core/HostDevice.h"

#include <math.h>

namespace ls::rf {

inline constexpr float kMaxAlpha = 0.99f;              // no splat is fully opaque (keeps T invertible)
inline constexpr float kMinAlpha = 1.0f / 255.0f;      // below this a splat is skipped at that pixel
inline constexpr float kMinTransmittance = 1e-4f;      // compositing stops once the pixel is this opaque

// exp's argument −½ dᵀΣ⁻¹d for conic (a, b, c); positive values (numerically bad conics) → no splat.
template <class B> LS_HOST_DEVICE B splatPower(B a, B b, B c, B dx, B dy)
{
    return B(-0.5) * (a * dx * dx + c * dy * dy) - b * dx * dy;
}

// α before clamping (o·G); the caller clamps to kMaxAlpha and skips below kMinAlpha.
template <class B> LS_HOST_DEVICE B splatAlpha(B opacity, B power) { return power > B(0) ? B(0) : opacity * ::exp(power); }

} // namespace ls::rf
