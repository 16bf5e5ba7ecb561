#pragma once
// Rendering what a trained GSpaRC field predicts for a transmitter position, as the datasets
// gsparc-render writes ("spectrum", "spectrum image", "channel estimate"). gsparc-render renders
// once; dragging the transmitter in the 3D view renders at every position the drag reaches, with
// the field loaded (and, on a GPU, uploaded) once per drag.
#include "FieldTraining.h"
#include "SplatRenderer.h"

#include "engine/core/Engine.h"

#include <memory>

namespace ls::rf {

class SplatRendererCuda;

class TransmitterFollower final : public HandleFollower {
public:
    explicit TransmitterFollower(TrainingState state);
    ~TransmitterFollower() override;

    // Renders on context.device(), stage by stage on context.recorder().
    std::vector<Dataset> follow(const std::array<float, 3>& position, RunContext& context) override;
    RenderResult render(const std::array<float, 3>& position, RunContext& context);
    std::vector<Dataset> outputsOf(const RenderResult& result) const;

    const TrainingState& state() const { return state_; }

private:
    TrainingState state_;
#if LS_HAS_CUDA
    std::unique_ptr<SplatRendererCuda> gpu_; // the field's copy on the device, made on first use
#endif
};

// The transmitter marker (role 2) of a run's "gaussians" cloud, if it has one.
std::vector<DragHandle> transmitterHandles(const std::vector<Dataset>& datasets);

} // namespace ls::rf
