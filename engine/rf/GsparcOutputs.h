#pragma once
// The datasets the GSpaRC engines hand the studio: spectra as images on azimuth–elevation axes,
// predicted | truth | error montages, training curves, held-out metric tables and SSIM CDFs, and
// the field itself (Gaussians as points and as a GaussianSet) with the receiver and transmitter.
#include "HeldOutEvaluation.h"

#include "engine/core/Dataset.h"
#include "engine/core/ReportSection.h"

#include <complex>

namespace ls::rf {

// Every frequency's map [F, H, W] as one picture [H, W, F] with a layer per frequency, in heat
// colours (row r = elevation (r + 1)·90/H degrees).
Grid spectrumMaps(const std::vector<float>& spectrum, int frequencies, const PixelMapping& mapping);

// The channel estimate per frequency (the mean of each complex map) as a table, and its
// amplitude and phase against the frequency index ("CSI amplitude", "CSI phase").
std::vector<Dataset> channelEstimateOutputs(const std::vector<std::complex<float>>& channels);

// Up to `limit` held-out samples, one band each: predicted | measured | |error|, 0 … 1.
Grid comparisonMontage(const HeldOutScores& scores, const RfDataset& dataset, const std::vector<std::size_t>& indices, int limit);

// Spectra [H, W] stacked top to bottom with gaps (a gallery of one frequency's maps).
Grid spectrumStack(const std::vector<std::vector<float>>& spectra, const PixelMapping& mapping, std::string yLabel);

Series trainingCurves(const TrainingState& state);
// Gaussians in the field over the run, with the densification totals in the curve's name.
Series fieldSizeCurve(const TrainingState& state);
// The confidence weighting's C over the run (its own plot: C runs 1 … α / L, far above the loss).
Series confidenceCurve(const TrainingState& state);
Series ssimDistribution(const HeldOutScores& scores); // empirical CDFs of per-sample SSIM
Table metricsSummary(const HeldOutScores& scores, const std::string& splitName);
Table perSampleMetrics(const HeldOutScores& scores);

// The Gaussians as points (attributes: emission amplitude for `movingEnd`, opacity, size, role) —
// those with opacity under `minimumOpacity` left out — followed by the receiver and the moving end
// as two marker points (role 1 and 2, drawn at the top of the amplitude scale) in the same cloud,
// since the 3D view shows one cloud per run.
inline constexpr const char* kGaussianCloudName = "gaussians"; // the datasets' name for that cloud
inline constexpr const char* kMarkerRoleAttribute = "role (0 Gaussian, 1 receiver, 2 transmitter)";
inline constexpr float kReceiverRole = 1.0f, kTransmitterRole = 2.0f;
inline constexpr float kShownOpacity = 0.02f; // Gaussians fainter than this are left out of the cloud
PointCloud gaussianCloud(const GaussianField& field, const ReceiverPose& receiver, const std::array<float, 3>& movingEnd, float minimumOpacity);
GaussianSet gaussianSet(const GaussianField& field);

// A report section with a run's results as the studio shows them: its tables, its line plots, and
// its pictures (spectrum maps, held-out montages), each with a caption naming the dataset.
std::vector<ReportSection> rfReportSections(const std::string& title, const std::vector<Dataset>& datasets);

} // namespace ls::rf
