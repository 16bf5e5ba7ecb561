#pragma once
// The heat ramp for maps drawn in colour (spectra in the overlay): black-blue → purple → orange →
// pale yellow, ordered in lightness so that brighter always reads as more.
#include "engine/core/Dataset.h"

#include <QImage>

namespace ls::views {

QRgb heatColour(float fraction); // fraction in [0, 1], clamped
// One channel of `grid` through the ramp over [low, high] (its value range when low == high).
QImage heatImage(const Grid& grid, float low = 0, float high = 0);

} // namespace ls::views
