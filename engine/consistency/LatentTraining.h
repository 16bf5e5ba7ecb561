#pragma once
// Trains a LatentModels on Fashion-MNIST in the order every run does it: the feature classifier,
// the autoencoder and its latent statistics, then the consistency model and the diffusion baseline
// alternating on the same batches. Progress, cancel and per-stage latency go through the
// RunContext. Given models from a checkpoint, it trains only what is left: iteration k of a resumed
// run draws the same batch and noise as iteration k of an uninterrupted one.
#include "FashionMnist.h"
#include "LatentModels.h"
#include "engine/core/Engine.h"

namespace ls::consistency {

struct TrainingSettings {
    int batch = 128;
    std::int64_t classifierSteps = 0, autoencoderSteps = 1500, iterations = 3000; // totals, not increments
    float learningRate = 1e-3f;
    // The denoisers' rate over the run: constant, or a cosine from learningRate down to 0 at the last
    // iteration (the same for both, so the comparison stays fair).
    bool cosineDecay = true;
    // A cancel while the denoisers train: throw (the run is void), or stop there and keep what is
    // trained (lcm-train returns it as a checkpoint that resumes).
    bool keepOnCancel = false;
    // ≥ 0: the denoisers train on that GPU (DenoiserTrainingCuda.h; the classifier and the
    // autoencoder stay on the CPU); the models hold the GPU's weights when training returns.
    int cudaDevice = -1;
    // On the CPU, the consistency model and the baseline train side by side on this many threads (1
    // or 2; the results are the same bit for bit); on a GPU they take turns.
    int denoiserThreads = 2;
};

struct TrainingRecord {
    Series autoencoderCurve; // loss per 10 steps
    // Per 20 iterations, apart because their scales differ by ~1000 (the consistency loss's weight
    // 1/(σ_{i+1} − σ_i) grows with N): the consistency loss and N; the diffusion loss.
    Series consistencyCurves, diffusionCurves;
    bool stoppedEarly = false;
};

// The class labels of the batch of rows [start, start + batch): each dropped to −1 (none) with
// probability `dropout`, drawn from (seed, iteration, row) so a resumed run drops the same ones.
std::vector<int> trainingLabels(const std::vector<std::uint8_t>& labels, Eigen::Index start, int batch, double dropout, std::uint64_t seed,
                                std::int64_t iteration);

// The denoisers' Adam rate at iteration `iteration` of `total`: settings.learningRate, or its cosine
// fall to 0 at the last iteration.
float denoiserLearningRate(const TrainingSettings& settings, std::int64_t iteration, std::int64_t total);

// `progressShare`: the fraction of the run's progress bar training takes (it starts at 0).
TrainingRecord trainLatentModels(LatentModels& models, const ImageSet& train, const ImageSet& test, const TrainingSettings& settings,
                                 RunContext& context, double progressShare);

// Row-major view of an ImageSet's pixels [N, 784].
inline Eigen::Map<const Matrix> pixelMatrix(const ImageSet& set)
{
    return {set.pixels.data(), static_cast<Eigen::Index>(set.size()), kImagePixels};
}

} // namespace ls::consistency
