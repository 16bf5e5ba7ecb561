#pragma once
// Samplers of a trained LatentModels side by side, from the same seeds: multistep consistency with
// 1, 2 … N steps and the diffusion baseline's Euler at several step counts; each timed per sample,
// decoded, and judged by its Fréchet distance to the test images in the classifier's features.
#include "FashionMnist.h"
#include "FrechetDistance.h"
#include "PrecisionRecall.h"
#include "LatentTraining.h"
#include "engine/core/Engine.h"

#include <string>
#include <vector>

namespace ls::consistency {

struct SamplerResult {
    std::string name; // "2-step consistency", "50-step Euler (diffusion)"
    int evaluations = 0;
    double msPerSample = 0, frechet = 0;
    PrecisionRecall coverage;
    Matrix latents; // standardised, [samples, d]
    Matrix images;  // decoded, [samples, 784]
    // The clean-latent estimate after each network evaluation for the first few samples
    // (kTrajectorySamples), one [kTrajectorySamples, d] per evaluation: what the latent view draws.
    std::vector<Matrix> trajectory;
};
constexpr int kTrajectorySamples = 6;

// The σ levels a consistency sampler visits after its first step, for `steps` steps in all: τ for
// 2 steps; for more, τ then the searched `laterTaus` when there are enough of them, else the inner
// levels of a Karras grid of steps + 1 levels.
std::vector<double> consistencyTaus(int steps, double twoStepTau, const std::vector<double>& laterTaus = {});

struct SampleQuality {
    double frechet = 0;
    PrecisionRecall coverage; // k = 3
};

// Generated images against the test images, in the features of the models' classifier.
class QualityJudge {
public:
    QualityJudge(LatentModels& models, const ImageSet& test);
    double operator()(const Matrix& images) const; // the Fréchet distance
    SampleQuality assess(const Matrix& images) const;

private:
    LatentModels& models_;
    Matrix dataFeatures_;
    FeatureGaussian data_;
};

// Ternary search of ln τ ∈ [ln 0.02, ln 20] for the 2-step sampler on the Fréchet distance of
// `probe` samples (as the consistency-models authors did; unimodal in practice).
double searchTwoStepTau(LatentModels& models, const QualityJudge& judge, int probe, std::uint64_t seed, RunContext& context);

// Greedy search of τ₂ … τ_{steps−1} for the multistep samplers: with the 2-step τ and the levels
// found so far fixed, each next level is a ternary search of ln τ between ln 0.02 (or half the
// level before, if lower) and the level before it, on the Fréchet distance of `probe` samples. (Found for 4 steps, the first is also the
// 3-step sampler's.)
std::vector<double> searchLaterTaus(LatentModels& models, const QualityJudge& judge, int probe, std::uint64_t seed, double twoStepTau,
                                    int steps, RunContext& context);

struct ComparisonSettings {
    std::vector<int> consistencySteps{1, 2, 4}, diffusionSteps{10, 20, 50};
    bool heun = false; // also the Heun sampler at each diffusion step count (2·steps − 1 evaluations)
    int samples = 1000;
    std::uint64_t seed = 1;
    double twoStepTau = 0; // > 0: use it; else the models' searched τ, searched now if there is none
    std::vector<double> laterTaus; // out: the levels the 3-, 4- … step samplers used (searchLaterTaus)
};

// Consistency samplers, then Euler, then Heun; the last Euler step count is the reference
// ("faster than …") of the tables built from this.
std::vector<SamplerResult> compareSamplers(LatentModels& models, const QualityJudge& judge, ComparisonSettings& settings,
                                           RunContext& context, double progressFrom);

} // namespace ls::consistency
