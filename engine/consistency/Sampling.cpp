#include "Sampling.h"

#include "Training.h"
#include "engine/core/Error.h"

#include <algorithm>
#include <cmath>

namespace ls::consistency {

Matrix guidedForward(Denoiser& model, const Matrix& x, const std::vector<double>& sigmas, const std::vector<int>& labels, double guidance)
{
    if (labels.empty() || guidance == 1.0)
        return model.forward(x, sigmas, labels);
    const Matrix unconditional = model.forward(x, sigmas, {});
    const Matrix conditional = model.forward(x, sigmas, labels);
    return unconditional + static_cast<float>(guidance) * (conditional - unconditional);
}

std::vector<int> sampleLabels(int count, int classes, int onlyClass)
{
    if (classes < 1)
        throw ArgumentError("class labels need a class-conditional model");
    if (onlyClass >= classes)
        throw ArgumentError("class " + std::to_string(onlyClass) + " is not one of the model's " + std::to_string(classes) + " classes");
    std::vector<int> labels(static_cast<std::size_t>(std::max(count, 0)));
    for (std::size_t i = 0; i < labels.size(); ++i)
        labels[i] = onlyClass >= 0 ? onlyClass : static_cast<int>(i % static_cast<std::size_t>(classes));
    return labels;
}

Matrix sampleConsistency(Denoiser& model, int count, const std::vector<double>& taus, std::uint64_t seed, const std::vector<int>& labels,
                         std::vector<Matrix>* estimates, double guidance)
{
    const Edm edm;
    const int d = model.spec().latent;
    Matrix x = guidedForward(model, normalNoise(count, d, seed, 0) * static_cast<float>(edm.sigmaMax),
                             std::vector<double>(count, edm.sigmaMax), labels, guidance);
    if (estimates)
        estimates->push_back(x);
    std::uint32_t stream = 1;
    for (const double tau : taus) {
        if (!(tau > edm.sigmaMin && tau < edm.sigmaMax))
            throw ArgumentError("a consistency step's τ must lie in (σ_min, σ_max) = (0.002, 80), not " + std::to_string(tau));
        const float scale = static_cast<float>(std::sqrt(tau * tau - edm.sigmaMin * edm.sigmaMin));
        x = guidedForward(model, x + scale * normalNoise(count, d, seed, stream++), std::vector<double>(count, tau), labels, guidance);
        if (estimates)
            estimates->push_back(x);
    }
    return x;
}

Matrix sampleDiffusion(Denoiser& model, int count, int steps, bool heun, std::uint64_t seed, const std::vector<int>& labels,
                       std::vector<Matrix>* estimates, double guidance)
{
    if (steps < 1)
        throw ArgumentError("the diffusion sampler needs at least one step");
    const int d = model.spec().latent;
    std::vector<double> sigmas = steps > 1 ? karrasSigmas(steps) : std::vector<double>{Edm{}.sigmaMax};
    std::reverse(sigmas.begin(), sigmas.end()); // σ_max … σ_min
    sigmas.push_back(0.0);
    Matrix x = normalNoise(count, d, seed, 0) * static_cast<float>(sigmas.front());
    for (std::size_t i = 0; i + 1 < sigmas.size(); ++i) {
        const double sigma = sigmas[i], next = sigmas[i + 1];
        const Matrix denoised = guidedForward(model, x, std::vector<double>(count, sigma), labels, guidance);
        if (estimates)
            estimates->push_back(denoised);
        const Matrix slope = (x - denoised) / static_cast<float>(sigma);
        Matrix proposal = x + static_cast<float>(next - sigma) * slope;
        if (heun && next > 0) {
            const Matrix slopeNext =
                (proposal - guidedForward(model, proposal, std::vector<double>(count, next), labels, guidance)) / static_cast<float>(next);
            proposal = x + static_cast<float>(next - sigma) * 0.5f * (slope + slopeNext);
        }
        x = std::move(proposal);
    }
    return x;
}

} // namespace ls::consistency
