#pragma once
// The engine's `order` parameter: which sort each layer uses. Layers cycle through the chosen
// kinds, as FlatFormer alternates x, x shifted, y, y shifted and PTv3 shuffles its serializations.
#include "FlattenedWindows.h"

#include <string>
#include <vector>

namespace ls::pointcloud {

inline constexpr const char* kWindowSnakeOrder = "window snake (FlatFormer)";

// The choices, FlatFormer's first (the default).
std::vector<std::string> orderChoices();

// The layer kinds a choice cycles through; an unknown choice is an ArgumentError.
std::vector<LayerKind> orderCycle(const std::string& choice);

// "x", "x shifted", "y", "y shifted", "z-order", "z-order transposed", "hilbert", "hilbert transposed".
std::string layerKindName(LayerKind kind);

// How compact a layer's groups are in space, over each group's own tokens (padding excluded):
// the mean over groups of the RMS distance to the group's centroid, and of its bounding box's
// diagonal, in metres. Smaller is more local: attention inside a group then mixes neighbours.
struct GroupLocality {
    double rmsRadiusM = 0, boxDiagonalM = 0;
};
GroupLocality groupLocality(const std::vector<std::int32_t>& order, const Grouping& grouping, const PillarCoords& pillars,
                            double pillarSizeM);

} // namespace ls::pointcloud
