#pragma once
// Points of a run's cloud that the user may drag in the 3D view (a transmitter), and the engine's
// answer while one moves: the datasets that depend on the handle's position, computed again there.
// Hosts ask Engine::dragHandles() which points are handles and Engine::followHandle() for a
// follower when a drag starts; the follower then gets each position the handle reaches.
#include "Dataset.h"

#include <array>
#include <string>
#include <vector>

namespace ls {

class RunContext;

struct DragHandle {
    std::string cloudName;      // the run's point cloud that holds the handle
    std::size_t pointIndex = 0; // its point in that cloud
    std::string label;          // what it stands for: "transmitter"
};

// Made once per drag (it may load a model), then asked for every position the handle reaches, on a
// worker thread, one call at a time: a drag costs one model load, not one per mouse move.
class HandleFollower {
public:
    virtual ~HandleFollower() = default;

    // The datasets that change with the handle at `position` (world frame, metres); each replaces
    // the run's dataset of the same name, or joins the run. Stages are timed with context.recorder().
    virtual std::vector<Dataset> follow(const std::array<float, 3>& position, RunContext& context) = 0;
};

} // namespace ls
