#pragma once
// A latency stage when the caller passed a recorder, nothing otherwise (tests, inner training steps).
#include "engine/core/LatencyRecorder.h"

#include <optional>
#include <string>

namespace ls::rf {

class OptionalStage {
public:
    OptionalStage(LatencyRecorder* recorder, std::string name)
    {
        if (recorder)
            stage_.emplace(*recorder, std::move(name));
    }

private:
    std::optional<LatencyRecorder::Stage> stage_;
};

} // namespace ls::rf
