#include "ColourRamp.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace ls::views {

QRgb heatColour(float fraction)
{
    // Anchors of an inferno-like ramp, evenly spaced.
    static constexpr std::array<std::array<float, 3>, 5> kAnchors{{
        {0.02f, 0.02f, 0.10f}, {0.33f, 0.06f, 0.43f}, {0.73f, 0.21f, 0.33f}, {0.98f, 0.55f, 0.04f}, {0.99f, 0.98f, 0.64f}}};
    const float t = std::clamp(std::isfinite(fraction) ? fraction : 0.0f, 0.0f, 1.0f) * (kAnchors.size() - 1);
    const auto below = std::min<std::size_t>(static_cast<std::size_t>(t), kAnchors.size() - 2);
    const float mix = t - below;
    int rgb[3];
    for (int c = 0; c < 3; ++c)
        rgb[c] = static_cast<int>(std::lround(255 * (kAnchors[below][c] * (1 - mix) + kAnchors[below + 1][c] * mix)));
    return qRgb(rgb[0], rgb[1], rgb[2]);
}

} // namespace ls::views
