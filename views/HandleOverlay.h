#pragma once
// The dragged-handle window of the ImGui overlay, at the view's bottom left: the handle's position
// (editable, for exact placement), the map the engine computed there in colour with its axes and
// value range, and how long each follow took. Call inside the overlay's frame.
#include "OverlayImage.h"

#include "engine/core/LatencyRecorder.h"

#include <array>
#include <string>

namespace ls::views {

struct HandlePanel {
    std::string label;                   // "transmitter"
    std::array<float, 3> position{};     // metres, world frame
    std::string mapTitle;                // "spectrum image" (empty: no map yet)
    std::string mapAxes;                 // ASCII (the overlay font has no arrows)
    float mapLow = 0, mapHigh = 0;       // the map's value range as coloured
    std::string status;                  // "rendering…", "3 renders", an error
    int follows = 0;                     // positions computed so far
    double lastFollowMs = 0;             // the latest one, end to end
};

// Returns true when the user typed or dragged a new position into the panel (panel.position).
bool drawHandleOverlay(HandlePanel& panel, OverlayImage& map, const LatencyRecord& followLatency);

} // namespace ls::views
