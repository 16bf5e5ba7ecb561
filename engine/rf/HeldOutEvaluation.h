#pragma once
// Scores on held-out spectra for a trained field and for the baselines computed the same way:
// the spectrum of the nearest training position, and the mean of the k nearest.
#include "FieldTraining.h"

namespace ls::rf {

struct SpectrumScores {
    int number = 0; // the sample's file number
    double ssim = 0, psnrDb = 0, mse = 0;
};

// Scores of `predicted` against `truth` ([F, H, W] each), averaged over frequencies.
SpectrumScores scoreSpectrum(const std::vector<float>& predicted, const std::vector<float>& truth, const PixelMapping& mapping, int frequencies);

// Mean spectrum of the k training samples whose moving end is nearest to `position`.
std::vector<float> nearestTrainingSpectrum(const RfDataset& dataset, const std::array<float, 3>& position, int k);

// Shepard's inverse-distance weighting over the k nearest training samples: weights 1/d², the
// nearest alone when it sits at `position`.
std::vector<float> inverseDistanceSpectrum(const RfDataset& dataset, const std::array<float, 3>& position, int k);

struct HeldOutScores {
    std::vector<SpectrumScores> model, nearest, kNearest, inverseDistance; // one per test sample, in dataset.test order
    std::vector<std::vector<float>> predicted;            // the model's spectra [F, H, W], same order
    int k = 3;
};

// Scores the samples at `indices` (positions in dataset.samples); throws CancelledError when asked.
HeldOutScores evaluateHeldOut(const TrainingState& state, const RfDataset& dataset, const std::vector<std::size_t>& indices, int k,
                              const CancelPoll& cancelled);

double median(std::vector<double> values);
std::vector<double> ssimValues(const std::vector<SpectrumScores>& scores);

} // namespace ls::rf
