#pragma once
// Training a GaussianField on spectra: Adam with per-group learning rates (the reference values:
// positions 1.6e-3 decaying exponentially to 1.6e-6, scales 5e-3, rotations 1e-3, opacities 5.5e-3,
// emission MLPs 2e-3), loss (1 − λ)·L1 + λ·(1 − SSIM) averaged over a batch of spectra per step
// (the reference: one), drawn in a seeded random order. A batch costs little more than one spectrum:
// with the receiver fixed, projection, sorting and every pixel's α are the same for all of them,
// so they composite as extra channels of one render (SplatRenderer.h). Checkpoints hold the field, the optimiser moments and the step, so a resumed run
// continues exactly where the saved one stopped.
#include "ConfidenceWeighting.h"
#include "Densification.h"
#include "RfDataset.h"
#include "SpectrumMetrics.h"
#include "SplatRenderer.h"

#include "engine/core/Collective.h"
#include "engine/core/Npz.h"

#include <functional>

namespace ls::rf {

struct LearningRates {
    double positionStart = 1.6e-3, positionEnd = 1.6e-6;
    double scale = 5e-3, rotation = 1e-3, opacity = 5.5e-3, mlp = 2e-3;
    // > 0: the emission MLPs' rate falls log-linearly from `mlp` to this over the run, as the
    // positions' does; 0: constant (the reference code's).
    double mlpEnd = 0;
    double confidence = kConfidenceRate; // the confidence network's (constant, as the reference's)
};

// Adam's rate for a parameter group (GaussianField::parameterArrays' names) at `step` of `totalSteps`.
double learningRate(const std::string& group, const LearningRates& rates, long step, long totalSteps);

struct TrainingSettings {
    int iterations = 2000;
    // Spectra per step: their gradients are averaged. The receiver must be the same for all of them
    // (it is for every dataset layout we load: one receiver pose per dataset).
    int batch = 1;
    double ssimWeight = 0.2;
    LearningRates rates;
    std::uint64_t seed = 1;
    int curveEvery = 50; // iterations between points on the loss/SSIM curves
    DensifySettings densify; // off by default: the reference set stays as initialised
    // The newest reference code's confidence-weighted loss C·L − α·log C (ConfidenceWeighting.h);
    // off by default. A resumed run that had it keeps its network (and saves it) either way.
    bool confidence = false;
    double confidenceAlpha = kConfidenceAlpha;
    // ≥ 0: each step's forward pass and whole backward pass (compositing, projection, emission MLPs)
    // run on this CUDA device (SplatRendererCuda); the loss and Adam stay on the CPU, with the field
    // uploaded and its gradients downloaded each step.
    int cudaDevice = -1;
    bool binBy3SigmaRadius = false; // benchmark baseline only (RenderSettings)
    bool scalarComposite = false;   // benchmark baseline and reference only (RenderSettings)
    // Several ranks (MPI, engine/core/Collective.h): data parallel. Each rank renders its share of
    // every step's batch (positions b with b % ranks == rank), the field's gradient, the loss and
    // the densification statistics are summed over the ranks, and every rank takes the same Adam
    // step, so all hold the field one process would train (up to the order of the sums).
    Collective* collective = nullptr;
};

// A step's working arrays on the CPU: kept from step to step (and from one trainSteps call to the
// next on the same state, as the benchmark makes them), so that a step allocates none of them once
// they have grown. Never part of a checkpoint.
struct StepBuffers {
    RenderResult rendered;
    std::vector<LossWorkspace> lossWorkspaces; // one per worker
    std::vector<LossTerms> mapLosses;
    std::vector<float> spectrumGradient, centreGradientNorms;
    std::vector<double> channelGradient;
    std::vector<CompositeGradients> compositeParts; // the composite backward's per-worker sums
    GaussianField gradients;
};

// What a run carries from step to step (and what a checkpoint holds, less `buffers`).
struct TrainingState {
    GaussianField field;
    GaussianField firstMoment, secondMoment; // Adam
    long step = 0;
    ReceiverPose receiver;
    PixelMapping mapping;
    SpectrumQuantity quantity = SpectrumQuantity::Magnitude;
    DensifyStatistics densifyStatistics;
    DensifyTally densified; // totals over the run
    ConfidenceNetwork confidence, confidenceFirst, confidenceSecond; // hidden 0 until a run weights its loss
    // Curves: training loss and SSIM averaged over each `curveEvery` window, and the field's size.
    std::vector<float> curveStep, curveLoss, curveSsim, curveGaussians;
    std::vector<float> curveConfidence; // C averaged over each window; empty without confidence weighting
    StepBuffers buffers;
};

TrainingState startTraining(GaussianField field, const RfDataset& dataset, SpectrumQuantity quantity);

// Progress gets (steps done, steps in total, running reconstruction loss, running SSIM); `cancelled` is polled
// every step. Returns false when cancelled (the state then holds every step completed so far).
using TrainingProgress = std::function<void(long done, long total, double loss, double ssim)>;
using CancelPoll = std::function<bool()>;
// With a recorder, every `curveEvery`-th step is timed stage by stage (project, bin, sort,
// composite, loss, backward, adam), so the latency view shows a training step's breakdown; a
// densification pass is timed as "densify" whenever it runs.
bool trainSteps(TrainingState& state, const RfDataset& dataset, const TrainingSettings& settings, const TrainingProgress& progress,
                const CancelPoll& cancelled, LatencyRecorder* recorder = nullptr);

NpzArchive checkpointToNpz(const TrainingState& state);
TrainingState checkpointFromNpz(const NpzArchive& archive, const std::string& source);

} // namespace ls::rf
