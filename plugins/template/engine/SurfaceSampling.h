#pragma once
// Per-point math of the template engine, shared verbatim by the CPU path and the CUDA kernels so
// the two compute the same function (they differ only in the last bits of sinf/cosf/logf).
#include "engine/core/CounterRng.h"

#include <cmath>
#include <cstdint>

namespace ls::surface {

enum class SurfaceKind : int { Torus = 0, Sphere = 1, Saddle = 2 };

struct SurfaceSpec {
    SurfaceKind kind = SurfaceKind::Torus;
    float majorRadius = 1.0f; // torus ring radius, sphere radius, saddle half-extent (m)
    float minorRadius = 0.3f; // torus tube radius (m); unused otherwise
    float noiseStd = 0.01f;   // standard deviation of the offset along the normal (m)
    std::uint64_t seed = 1;
};

constexpr float kTwoPi = 6.28318530717958647692f;

// Random stream numbers, one per use, so that draws never overlap.
constexpr std::uint32_t kStreamU = 0, kStreamV = 1, kStreamRadius = 2, kStreamAngle = 3;

LS_HOST_DEVICE void drawUv(std::uint64_t seed, std::uint64_t index, float* uv)
{
    uv[0] = rng::uniform(seed, index, kStreamU);
    uv[1] = rng::uniform(seed, index, kStreamV);
}

// Standard normal by Box–Muller from two counter-based uniforms.
LS_HOST_DEVICE float gaussian(std::uint64_t seed, std::uint64_t index)
{
    const float u1 = 1.0f - rng::uniform(seed, index, kStreamRadius); // (0, 1]: log is finite
    const float u2 = rng::uniform(seed, index, kStreamAngle);
    return sqrtf(-2.0f * logf(u1)) * cosf(kTwoPi * u2);
}

// Maps parametric (u, v) in [0, 1)² to a point and its unit normal.
LS_HOST_DEVICE void mapToSurface(const SurfaceSpec& spec, float u, float v, float* position, float* normal)
{
    switch (spec.kind) {
    case SurfaceKind::Torus: {
        const float phi = kTwoPi * u, theta = kTwoPi * v;
        const float ring = spec.majorRadius + spec.minorRadius * cosf(theta);
        normal[0] = cosf(theta) * cosf(phi);
        normal[1] = cosf(theta) * sinf(phi);
        normal[2] = sinf(theta);
        position[0] = ring * cosf(phi);
        position[1] = ring * sinf(phi);
        position[2] = spec.minorRadius * normal[2];
        break;
    }
    case SurfaceKind::Sphere: { // area-uniform: z uniform in [-1, 1]
        const float z = 1.0f - 2.0f * v, phi = kTwoPi * u;
        const float ring = sqrtf(fmaxf(0.0f, 1.0f - z * z));
        normal[0] = ring * cosf(phi);
        normal[1] = ring * sinf(phi);
        normal[2] = z;
        for (int k = 0; k < 3; ++k)
            position[k] = spec.majorRadius * normal[k];
        break;
    }
    case SurfaceKind::Saddle: { // z = (x² − y²) / (2R) over [−R, R]²
        const float r = spec.majorRadius;
        const float x = (2.0f * u - 1.0f) * r, y = (2.0f * v - 1.0f) * r;
        position[0] = x;
        position[1] = y;
        position[2] = (x * x - y * y) / (2.0f * r);
        const float nx = -x / r, ny = y / r;
        const float inverseLength = 1.0f / sqrtf(nx * nx + ny * ny + 1.0f);
        normal[0] = nx * inverseLength;
        normal[1] = ny * inverseLength;
        normal[2] = inverseLength;
        break;
    }
    }
}

} // namespace ls::surface
