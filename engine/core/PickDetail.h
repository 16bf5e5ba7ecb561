#pragma once
// What an engine says about one picked point of a point cloud it produced: shown in the 3D view's
// overlay, with the points it relates to highlighted (e.g. FlatFormer: the point's attention group,
// coloured by the attention weight its pillar gives each member).
#include "Dataset.h"

#include <string>
#include <utility>
#include <vector>

namespace ls {

struct PickDetail {
    std::string title;                                        // "pillar (231, 240) · group 17 of layer 0 (x)"
    std::vector<std::pair<std::string, std::string>> facts;   // label, value
    std::vector<float> pointValues; // one per point of the cloud; NaN: not highlighted; empty: highlight nothing
    std::string valueLabel;         // what pointValues are ("attention weight")
    std::vector<float> profile;     // a curve to plot in the overlay, e.g. weights along the group's order
    std::string profileLabel;
};

// The facts every picked point has, whatever the engine: its index, position and attribute values.
std::vector<std::pair<std::string, std::string>> pointFacts(const PointCloud& cloud, std::size_t pointIndex);

} // namespace ls
