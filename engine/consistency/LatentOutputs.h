#pragma once
// The datasets latent consistency engines show: sample galleries, the samplers table and the
// quality-vs-latency frontier, latents in 3D, and the model summary.
#include "LatentModels.h"
#include "SamplerComparison.h"
#include "engine/core/Dataset.h"
#include "engine/core/ReportSection.h"

#include <vector>

namespace ls::consistency {

// Images [N, 784] in rows of `columns`, dark garments on white with white gaps, as an image.
Grid imageGallery(const Matrix& images, int columns, const std::string& rowsLabel);
// The first `columns` samples of each sampler, a row per sampler (same seeds in every column).
Grid samplerGallery(const std::vector<SamplerResult>& samplers, int columns = 8);

// Data latents and each sampler's, in the data's first three principal axes.
PointCloud latentView(const Matrix& data, const std::vector<std::uint8_t>& labels, const std::vector<SamplerResult>& samplers);

// Per sampler and batch size: the repeated calls' percentiles (after warm-up), from the run's recorder.
Table samplerLatencyTable(const std::vector<SamplerResult>& samplers);
Table samplersTable(const std::vector<SamplerResult>& samplers);       // the last one is the speed reference
Series qualityVersusLatency(const std::vector<SamplerResult>& samplers); // by increasing latency
// Classifier accuracy, autoencoder floors, latent tails, τ, recipe, training progress.
Table modelTable(LatentModels& models, const Matrix& testImages, const QualityJudge& judge, const std::string& tauSource);

} // namespace ls::consistency

namespace ls::consistency {

// What a comparison of samplers shows, in this order: latents, gallery, samplers, quality vs
// latency, model. `test` gives the data latents of the 3D view and the model table's floors.
std::vector<Dataset> comparisonDatasets(LatentModels& models, const std::vector<SamplerResult>& samplers, const ImageSet& test,
                                        const QualityJudge& judge, const std::string& tauSource);
// For class-conditional models: "classes" (a row of samples per class at the settings' guidance,
// the same noise in every row) and "guidance" (Fréchet distance per sampler and guidance scale).
// Empty for unconditional ones.
std::vector<Dataset> conditionalDatasets(LatentModels& models, const QualityJudge& judge, const ComparisonSettings& settings,
                                         RunContext& context);
// The report section of such a run: its tables and the frontier plot.
std::vector<ReportSection> comparisonReport(const std::vector<Dataset>& datasets);

} // namespace ls::consistency
