#include "DenoiserBackend.h"

#include "engine/core/Error.h"
#if LS_HAS_CUDA
#include "DenoiserTrainingCuda.h"
#endif

namespace ls::consistency {

namespace {

class CpuBackend final : public DenoiserBackend {
public:
    CpuBackend(Denoiser& model, Adam& adam) : model_(model), adam_(adam) {}
    Matrix forward(const Matrix& x, const std::vector<double>& sigmas, const std::vector<int>& labels) override
    {
        return model_.forward(x, sigmas, labels);
    }
    void gradients(const Matrix& dOutput) override
    {
        adam_.zeroGrad();
        model_.backward(dOutput);
    }
    void step() override { adam_.step(); }

private:
    Denoiser& model_;
    Adam& adam_;
};

} // namespace

std::unique_ptr<DenoiserBackend> makeDenoiserBackend(Denoiser& model, Adam& adam, int cudaDevice)
{
    if (cudaDevice < 0)
        return std::make_unique<CpuBackend>(model, adam);
#if LS_HAS_CUDA
    return std::make_unique<DenoiserTrainingCuda>(model, adam, cudaDevice);
#else
    throw ArgumentError("training on cuda:" + std::to_string(cudaDevice) + " needs a build with CUDA (this one has none)");
#endif
}

} // namespace ls::consistency
