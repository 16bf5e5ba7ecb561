#pragma once
// Where a trainer (Training.h) evaluates its network and applies Adam: on the CPU, the model and its
// Adam themselves; on a GPU, copies of both that live on the device between steps
// (DenoiserTrainingCuda.h) and that synchronise() brings home. The losses stay on the host, so each
// training recipe is written once, against this.
#include "Adam.h"
#include "Denoiser.h"

#include <memory>
#include <vector>

namespace ls::consistency {

class DenoiserBackend {
public:
    virtual ~DenoiserBackend() = default;
    // As Denoiser::forward; keeps what gradients() needs.
    virtual Matrix forward(const Matrix& x, const std::vector<double>& sigmas, const std::vector<int>& labels) = 0;
    // This batch's parameter gradients for dL/d output [B, d] of the last forward (earlier ones are
    // discarded).
    virtual void gradients(const Matrix& dOutput) = 0;
    virtual void step() = 0; // one Adam step with those gradients
    // Brings the weights (and, when asked, Adam's moments and step count) into the host model and
    // Adam; nothing to do on the CPU.
    virtual void synchronise(bool withMoments) { (void)withMoments; }
};

// On the CPU when cudaDevice < 0; else on that GPU, starting from the model's weights and Adam's
// state as they are now (an ArgumentError in a build without CUDA, a DeviceError without the device).
std::unique_ptr<DenoiserBackend> makeDenoiserBackend(Denoiser& model, Adam& adam, int cudaDevice);

} // namespace ls::consistency
