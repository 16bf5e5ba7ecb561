#pragma once
// One optimisation step of each training scheme on a batch of standardised latents [B, d]:
//  - consistency training with the improved recipe (iCT + sLCT), each part switchable for ablation:
//    the curriculum's N, σ index from iCT's discretised log-normal, weight 1/(σ_{i+1} − σ_i),
//    Cauchy (or pseudo-Huber) distance between student f(x + σ_{i+1}z, σ_{i+1}) and the stop-gradient
//    teacher f(x + σ_i z, σ_i) of the same weights, adaptive (or fixed) c, the diffusion loss on the
//    lowest-noise quarter of the indices, and minibatch OT coupling of noise and data;
//  - the EDM diffusion baseline: λ(σ)·‖D(x + σn, σ) − x‖², ln σ ~ N(−1.2, 1.2²).
#include "Adam.h"
#include "Denoiser.h"
#include "DenoiserBackend.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ls::consistency {

enum class Distance { Cauchy, PseudoHuber };

struct ConsistencyRecipe {
    Distance distance = Distance::Cauchy;
    bool adaptiveC = true;             // the recipe's c (distanceC); off: fixedC throughout
    double fixedC = 0.03;              // when not adaptive, and in the Cauchy recipe's first curriculum stage
    bool diffusionLoss = true;
    double diffusionLossWeight = 5.0;  // sLCT's weight
    // Off by default: sLCT couples noise and data in 4,096-d latents, where the matched noise is nearly
    // independent of its data point; in our 16-d latents at batch 128 it is not (mean cosine 0.57,
    // against 0.08 at 1,024-d; tst_consistency), so the model trains on inputs x₀ + σz unlike the ones
    // its samplers feed it and degrades at mid σ. Measured on 2026-11-30 (seed 1, constant rate): 1-step FD
    // 13.3 with it, 5.03 without (docs/latent-consistency.md). The switch stays for the ablation.
    bool otCoupling = false;
    int curriculumStart = 10, curriculumEnd = 640; // N from 11 to 641
    // Consistency distillation (CD, Song et al. 2023; LCD in the LCM paper) instead of training: the
    // target of a pair is f at the point one Heun step of the trained diffusion model takes from
    // x + σ_{i+1}z down to σ_i, not f at x + σ_i z. The grid is fixed at distillationLevels (CD's 18)
    // rather than the curriculum's; index distribution, weighting, distance and c stay as above, so
    // a comparison with training differs only in the target. lcm-train first trains the diffusion
    // model, then distils it.
    bool distillation = false;
    int distillationLevels = 18;
};

struct StepReport {
    double loss = 0;        // the batch's mean training loss
    int discretisation = 0; // N (consistency)
    double c = 0;           // the distance's c (consistency)
};

// The distance's c at N discretisation steps for d-dimensional latents, as each recipe publishes it:
// Cauchy (sLCT) fixedC in the curriculum's first stage, adaptiveC(N) after it; pseudo-Huber (iCT)
// 0.00054·√d throughout; with adaptiveC off, fixedC for both.
double distanceC(const ConsistencyRecipe& recipe, int discretisation, int dimensions);

struct BatchLoss {
    double value = 0;
    Matrix gradient; // d value / d student, [B, d]
};

// The consistency loss of one batch and its gradient with respect to the student's outputs: the
// weighted distance between student and teacher averaged over the batch, plus, on the rows marked
// early (the lowest-noise quarter of the indices), diffusionLossWeight·(1/σ² + 4)·‖f − x₀‖²/d averaged
// over those rows only.
BatchLoss consistencyBatchLoss(const Matrix& student, const Matrix& teacher, const Matrix& clean, std::span<const double> teacherSigma,
                               std::span<const double> studentSigma, std::span<const char> early, const ConsistencyRecipe& recipe, double c);

class ConsistencyTrainer {
public:
    // cudaDevice ≥ 0: the network's passes and Adam run on that GPU (DenoiserTrainingCuda.h) from the
    // first step on; synchronise() brings the weights and Adam's state back into `model` and optimiser().
    // With recipe.distillation, `teacher` is the trained diffusion model the targets come from (read
    // on the CPU, never changed).
    ConsistencyTrainer(Denoiser& model, const ConsistencyRecipe& recipe, std::int64_t totalIterations, float learningRate,
                       std::uint64_t seed, int cudaDevice = -1, Denoiser* teacher = nullptr);
    StepReport step(const Matrix& latents, const std::vector<int>& labels = {});
    std::int64_t iteration() const { return iteration_; }
    void resumeAt(std::int64_t iteration) { iteration_ = iteration; } // the curriculum and noise continue from there
    Adam& optimiser() { return adam_; }
    void synchronise(bool withMoments = true) { if (backend_) backend_->synchronise(withMoments); }

private:
    Denoiser& model_;
    Denoiser* teacher_;
    ConsistencyRecipe recipe_;
    std::int64_t totalIterations_, iteration_ = 0;
    std::uint64_t seed_;
    Adam adam_;
    int cudaDevice_;
    // Made at the first step, so that a restored Adam state (a resume) is what a GPU copy starts from.
    std::unique_ptr<DenoiserBackend> backend_;
    DenoiserBackend& backend();
};

class DiffusionTrainer {
public:
    DiffusionTrainer(Denoiser& model, float learningRate, std::uint64_t seed, int cudaDevice = -1); // cudaDevice: as above
    StepReport step(const Matrix& latents, const std::vector<int>& labels = {});
    std::int64_t iteration() const { return iteration_; }
    void resumeAt(std::int64_t iteration) { iteration_ = iteration; }
    Adam& optimiser() { return adam_; }
    void synchronise(bool withMoments = true) { if (backend_) backend_->synchronise(withMoments); }

private:
    Denoiser& model_;
    std::int64_t iteration_ = 0;
    std::uint64_t seed_;
    Adam adam_;
    int cudaDevice_;
    std::unique_ptr<DenoiserBackend> backend_;
    DenoiserBackend& backend();
};

// One Heun step of the probability-flow ODE dx/dσ = (x − D(x, σ))/σ of a diffusion denoiser D, from
// each row's σ to its σ_to (> 0): Karras et al.'s second-order step, as consistency distillation's
// teacher takes it.
Matrix heunStep(Denoiser& diffusion, const Matrix& x, const std::vector<double>& sigma, const std::vector<double>& sigmaTo,
                const std::vector<int>& labels = {});

// Normal noise [rows, cols] from (seed, stream): the same numbers on every run and device.
Matrix normalNoise(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed, std::uint32_t stream);

} // namespace ls::consistency
