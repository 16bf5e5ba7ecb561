#pragma once
// The per-splat and per-pixel rules both renderers share, each defined once and run by the CPU
// loops and the CUDA kernels alike (so the host tests check what the GPU computes): a Gaussian's
// opacity from its logit, its splat radius capped to the map, the moving end's normalisation, a
// splat's α at a pixel offset (dx, dy) from its centre, and one step of the forward and of the
// backward walk through a pixel's splats.
#include "engine/core/HostDevice.h"
#include "engine/core/Sigmoid.h"

#include <math.h>

namespace ls::rf {

inline constexpr float kMaxAlpha = 0.99f;              // no splat is fully opaque (keeps T invertible)
inline constexpr float kMinAlpha = 1.0f / 255.0f;      // below this a splat is skipped at that pixel
inline constexpr float kMinTransmittance = 1e-4f;      // compositing stops once the pixel is this opaque

// A Gaussian's opacity: the sigmoid of its logit.
template <class B> LS_HOST_DEVICE B opacityFromLogit(B logit) { return sigmoid(logit); }

// A splat's radius in pixels, capped: one wider than the map covers all of it anyway (and the int
// must not overflow); `coverWholeMap` gives every splat the whole map (the untiled check).
LS_HOST_DEVICE int cappedSplatRadius(int radius, int width, int height, bool coverWholeMap)
{
    const int wholeMap = 2 * (width + height);
    return coverWholeMap || radius > wholeMap ? wholeMap : radius;
}

// The emission MLPs' input: the moving end's position, centred and scaled per axis.
template <class B> LS_HOST_DEVICE void normaliseMovingEnd(const B position[3], const B centre[3], const B scale[3], B input[3])
{
    for (int axis = 0; axis < 3; ++axis)
        input[axis] = (position[axis] - centre[axis]) / scale[axis];
}

// exp's argument −½ dᵀΣ⁻¹d for conic (a, b, c); positive values (numerically bad conics) → no splat.
template <class B> LS_HOST_DEVICE B splatPower(B a, B b, B c, B dx, B dy)
{
    return B(-0.5) * (a * dx * dx + c * dy * dy) - b * dx * dy;
}

// G = e^power of a splat at a pixel (0 past its peak's far side, where power > 0 is impossible
// for a positive-definite conic but rounding can land).
template <class B> LS_HOST_DEVICE B splatGaussian(B power) { return power > B(0) ? B(0) : ::exp(power); }
// α before clamping (o·G); the caller clamps to kMaxAlpha and skips below kMinAlpha.
template <class B> LS_HOST_DEVICE B splatAlpha(B opacity, B power) { return opacity * splatGaussian<B>(power); }

// α = o·e^power falls under `alphaThreshold` exactly when power < log(threshold / o): comparing
// powers first skips the exponential for the many far pixels of a large splat.
template <class B> LS_HOST_DEVICE B alphaCutPower(B opacity, B alphaThreshold)
{
    return opacity > B(0) ? ::log(alphaThreshold / opacity) : B(0);
}

// The box around a splat's centre outside which it is cut at every pixel, as half-widths in pixels.
// α = o·e^{−½dᵀΣ⁻¹d} reaches the threshold t only inside the ellipse dᵀΣ⁻¹d ≤ 2·log(o/t), whose box
// has half-widths √(2·log(o/t)·Σ₁₁) across and √(2·log(o/t)·Σ₂₂) down; one more pixel covers the
// float test at its edge, and the 3σ radius caps both. Binning by it lists a splat only on tiles
// where it can be composited: the 3σ circle also listed the many tiles its faint rim never reaches
// (4 of 5 tile-list entries were skipped by their power in a training step). Zero: never drawn.
struct CutExtent {
    int columns = 0, rows = 0;
};
template <class B> LS_HOST_DEVICE CutExtent cutExtent(B covA, B covC, B opacity, B alphaThreshold, int radius, bool coverWholeMap)
{
    if (coverWholeMap || radius <= 0)
        return {radius, radius};
    const B level = B(-2) * alphaCutPower<B>(opacity, alphaThreshold);
    if (!(level > B(0)))
        return {};
    const B columns = ::ceil(::sqrt(level * covA)) + B(1), rows = ::ceil(::sqrt(level * covC)) + B(1);
    return {columns < B(radius) ? static_cast<int>(columns) : radius, rows < B(radius) ? static_cast<int>(rows) : radius};
}

enum class ForwardStep { Skipped, Composited, Saturated };

// One splat of a pixel's front-to-back walk: C += e·α·T, T ← T·(1 − α). Skipped: α is cut at this
// pixel (by its power, or below the threshold); Saturated: compositing it would leave the pixel
// more opaque than kMinTransmittance, so the walk stops before it (nothing is added).
template <class B>
LS_HOST_DEVICE ForwardStep forwardThroughSplat(B dx, B dy, B a, B b, B c, B opacity, B minPower, B alphaThreshold, const float* emission,
                                               int outputs, B* accumulated, B& transmittance)
{
    const B power = splatPower<B>(a, b, c, dx, dy);
    if (power < minPower)
        return ForwardStep::Skipped;
    const B rawAlpha = splatAlpha<B>(opacity, power);
    const B alpha = rawAlpha < B(kMaxAlpha) ? rawAlpha : B(kMaxAlpha);
    if (alpha < alphaThreshold)
        return ForwardStep::Skipped;
    const B next = transmittance * (B(1) - alpha);
    if (next < B(kMinTransmittance))
        return ForwardStep::Saturated;
    const B weight = alpha * transmittance;
    for (int o = 0; o < outputs; ++o)
        accumulated[o] += emission[o] * weight;
    transmittance = next;
    return ForwardStep::Composited;
}

// What one splat contributes to the gradients at one pixel.
template <class B> struct SplatStepGradient {
    B centre[2];  // dL/du, dL/dv
    B conic[3];   // dL/d(a, b, c)
    B opacity;    // dL/d(sigmoid output)
    bool moves;   // false: α was clamped at kMaxAlpha, so only the emission gradient counts
};

// A pixel's walk back to front: the light that reached the current splat and the colour behind it.
template <class B, int MaxOutputs> struct BackwardWalk {
    B transmittance; // starts at the pixel's final T; becomes T before each splat as the walk passes it
    B lastAlpha;
    B behind[MaxOutputs], lastEmission[MaxOutputs];
};

// One splat of the backward walk (C = Σ eᵢαᵢTᵢ, T recovered by division). Returns false when the
// splat was skipped at this pixel (α below the threshold, or cut by its power as the forward pass
// cut it). `emissionGradient[o]` receives α·T·upstream[o]; the rest goes to `step`.
template <class B, int MaxOutputs>
LS_HOST_DEVICE bool backwardThroughSplat(B dx, B dy, B a, B b, B c, B opacity, B minPower, B alphaThreshold, const float* emission, int outputs,
                                         const B* upstream, BackwardWalk<B, MaxOutputs>& walk, B* emissionGradient, SplatStepGradient<B>& step)
{
    const B power = splatPower<B>(a, b, c, dx, dy);
    if (power < minPower - B(1e-6)) // margin: the forward pass compared in float
        return false;
    // G once, for α = o·G and again below for dα/do and dα/dpower (it was computed twice; the
    // exponentials took about 12 % of a CPU training step).
    const B gaussian = splatGaussian<B>(power);
    const B rawAlpha = opacity * gaussian;
    const B alpha = rawAlpha < B(kMaxAlpha) ? rawAlpha : B(kMaxAlpha);
    if (alpha < alphaThreshold)
        return false;
    walk.transmittance /= (B(1) - alpha); // T before this splat
    // ∂C/∂αᵢ = Tᵢ(eᵢ − (colour behind i, per unit of light reaching it)).
    B alphaGradient = 0;
    for (int o = 0; o < outputs; ++o) {
        walk.behind[o] = walk.lastAlpha * walk.lastEmission[o] + (B(1) - walk.lastAlpha) * walk.behind[o];
        const B e = emission[o];
        emissionGradient[o] = alpha * walk.transmittance * upstream[o];
        alphaGradient += (e - walk.behind[o]) * walk.transmittance * upstream[o];
        walk.lastEmission[o] = e;
    }
    walk.lastAlpha = alpha;
    step.moves = rawAlpha < B(kMaxAlpha);
    if (!step.moves)
        return true;
    step.opacity = gaussian * alphaGradient;
    const B powerGradient = opacity * gaussian * alphaGradient;
    // power = −½(a dx² + c dy²) − b dx dy, with dx = column − u, dy = row − v
    step.conic[0] = B(-0.5) * dx * dx * powerGradient;
    step.conic[1] = -dx * dy * powerGradient;
    step.conic[2] = B(-0.5) * dy * dy * powerGradient;
    step.centre[0] = (a * dx + b * dy) * powerGradient;
    step.centre[1] = (c * dy + b * dx) * powerGradient;
    return true;
}

} // namespace ls::rf
