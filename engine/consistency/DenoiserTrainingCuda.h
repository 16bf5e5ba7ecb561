#pragma once
// Training the denoiser on a GPU: its forward pass with one σ per row (keeping the activations), the
// backward pass of every layer and Adam, with cuBLAS GEMMs and kernels for the element-wise parts
// (DenoiserKernels.cuh), on copies of the model's weights and Adam's moments that stay on the device
// between steps. Each step moves only the [B, d] outputs down and dL/d output up (a few kB): the
// recipes' losses are computed on the host by the same code as on the CPU (Training.cpp). The same
// arithmetic as Denoiser.cpp / Layers.cpp / Adam.cpp, so a step agrees with the CPU's to float
// rounding (bounds in tst_consistency_sampling). Unconditional denoisers only. Built with CUDA only.
#include "DenoiserBackend.h"

#include <memory>

namespace ls::consistency {

class DenoiserTrainingCuda final : public DenoiserBackend {
public:
    // Uploads the model's weights and Adam's moments and step count to device `deviceIndex`.
    DenoiserTrainingCuda(Denoiser& model, Adam& adam, int deviceIndex);
    ~DenoiserTrainingCuda() override;
    DenoiserTrainingCuda(const DenoiserTrainingCuda&) = delete;
    DenoiserTrainingCuda& operator=(const DenoiserTrainingCuda&) = delete;

    Matrix forward(const Matrix& x, const std::vector<double>& sigmas, const std::vector<int>& labels) override;
    void gradients(const Matrix& dOutput) override;
    void step() override;
    void synchronise(bool withMoments) override;

    // The gradients of the last gradients() call, in Denoiser::parameters() order (for tests).
    std::vector<Matrix> downloadGradients() const;

private:
    struct Device;
    std::unique_ptr<Device> device_;
};

} // namespace ls::consistency
