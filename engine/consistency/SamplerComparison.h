#pragma once
// Samplers of a trained LatentModels side by side, from the same seeds: multistep consistency with
// 1, 2 … N steps and the diffusion baseline's Euler at several step counts. Each is judged by its
// Fréchet distance to a fixed reference set (all 10,000 test images) in the bundled feature network's
// features (FeatureNetwork.h), over several evaluation seeds with a 95 % interval, and timed through
// the run's latency recorder: warm-up calls, then repeated calls per batch size, with percentiles.
#include "FashionMnist.h"
#include "FrechetDistance.h"
#include "PrecisionRecall.h"
#include "LatentTraining.h"
#include "engine/core/Engine.h"
#include "engine/core/Statistics.h"

#include <string>
#include <vector>

namespace ls::consistency {

// One sampler's repeated calls at one batch size (milliseconds per call, after the warm-up calls).
struct BatchLatency {
    int batch = 0;
    SampleStats ms;
};

struct SamplerResult {
    std::string name; // "2-step consistency", "50-step Euler (diffusion)"
    int evaluations = 0;
    // Median ms per call at the largest latency batch, divided by that batch.
    double msPerSample = 0;
    double frechet = 0;               // the mean over evaluation seeds
    double frechetHalfWidth = 0;      // of its 95 % t-interval (0 with one seed)
    std::vector<double> frechetBySeed;
    std::vector<BatchLatency> latency;
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

// Generated images against a reference set (the engines give all 10,000 test images), in the
// bundled feature network's features. Precision and recall compare equal numbers of reference and
// generated images (the first rows of the reference), as Kynkäänniemi et al. define them.
class QualityJudge {
public:
    explicit QualityJudge(const ImageSet& reference);
    double operator()(const Matrix& images) const; // the Fréchet distance
    SampleQuality assess(const Matrix& images) const;

private:
    mutable FeatureClassifier network_; // features() keeps its activations
    Matrix dataFeatures_;
    FeatureGaussian data_;
};

// The reference set of every distance: Fashion-MNIST's whole test split.
ImageSet referenceImages();

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
    int evaluationSeeds = 3; // draws of `samples` per sampler, each with its own noise; the distance is their mean
    std::vector<int> latencyBatches{1, 64};
    int latencyRepeats = 15, latencyWarmup = 2;
    // Class-conditional models only: which class to sample (−1: every class in turn) and the
    // classifier-free guidance scale of every sampler; the guidance table's scales.
    int sampleClass = -1;
    double guidance = 1.0;
    std::vector<double> guidanceScales{1.0, 2.0};
    std::uint64_t seed = 1;
    double twoStepTau = 0; // > 0: use it; else the models' searched τ, searched now if there is none
    std::vector<double> laterTaus; // out: the levels the 3-, 4- … step samplers used (searchLaterTaus)
};

// One sampler at one guidance scale, all classes in turn (class-conditional models).
struct GuidanceResult {
    std::string sampler;
    double scale = 1, frechet = 0, frechetHalfWidth = 0;
    PrecisionRecall coverage;
};

// Each consistency sampler of `settings` and its last Euler sampler at each of its guidance scales,
// over its evaluation seeds. Empty for an unconditional model.
std::vector<GuidanceResult> compareGuidance(LatentModels& models, const QualityJudge& judge, const ComparisonSettings& settings,
                                            RunContext& context);

// `columns` samples of each class from the fewest-step consistency sampler of `settings` at its
// guidance scale, the same noise in every row: [classes × columns, 784] (class-conditional models).
Matrix classSamples(LatentModels& models, const ComparisonSettings& settings, int columns);

// Consistency samplers, then Euler, then Heun; the last Euler step count is the reference
// ("faster than …") of the tables built from this. A class-conditional model samples the class
// and guidance of `settings`.
std::vector<SamplerResult> compareSamplers(LatentModels& models, const QualityJudge& judge, ComparisonSettings& settings,
                                           RunContext& context, double progressFrom);

} // namespace ls::consistency
