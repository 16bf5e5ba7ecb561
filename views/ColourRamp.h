#pragma once
// The heat ramp for maps drawn in colour (spectra in their tab and in the overlay): black-blue → purple → orange →
// pale yellow, ordered in lightness so that brighter always reads as more.
#include <QRgb>

namespace ls::views {

QRgb heatColour(float fraction); // fraction in [0, 1], clamped (NaN: the low end)

} // namespace ls::views
