#pragma once
// The run-latency panel of the ImGui overlay: the run's name, device and per-stage median/p90.
// Call inside an ImGui window (VtkViewport's overlay content).
#include "engine/core/LatencyRecorder.h"

#include <string>

namespace ls::views {

void drawLatencyOverlay(const std::string& runLabel, const LatencyRecord& latency);

} // namespace ls::views
