#pragma once
// Everything a latent consistency run trains — the feature classifier of the Fréchet distances, the
// autoencoder and its latent statistics, the consistency model and the diffusion baseline — with
// how far each has been trained, as one value. Checkpoints (.npz) hold exactly this, so a sampler,
// an evaluation or a resumed training starts from the same models (docs/latent-consistency.md lists
// the tensor names).
#include "Autoencoder.h"
#include "Denoiser.h"
#include "FeatureClassifier.h"
#include "Training.h"
#include "engine/core/Npz.h"

#include <cstdint>
#include <string>

namespace ls::consistency {

constexpr float kSigmaData = 0.5f; // latents are standardised to this σ (EDM's σ_data, sLCT's choice)

struct LatentModelSpec {
    int latent = 16;             // d
    int autoencoderHidden = 512;
    int hidden = 256;            // the denoiser's width
    int blocks = 3;              // its residual blocks
    std::uint64_t seed = 1;
    ConsistencyRecipe recipe;    // what the consistency model is trained with
    // Decay of an exponential moving average of the denoisers' weights for sampling (iCT and sLCT
    // evaluate such averages over 400k iterations; the teacher is the raw model all the same).
    // 0: none — over our few thousand iterations the average lags and samples worse (measured:
    // 1-step FD 19.9 with 0.999 vs 13.3 without, docs/latent-consistency.md).
    double averageDecay = 0;
    std::size_t trainImages = 16384; // the first N of Fashion-MNIST's training split
    // Class-conditional denoisers (a learned class embedding, Fashion-MNIST's 10 classes) trained
    // with label dropout: each pair's label is dropped with this probability, so the same network
    // is also unconditional and sampling can use classifier-free guidance. 0 classes: unconditional.
    int classes = 0;
    double labelDropout = 0.1;
};

// Adam's moments and step count, so a resumed training continues exactly.
struct OptimiserState {
    std::vector<Matrix> first, second;
    long steps = 0;
    void capture(Adam& adam);
    void restore(Adam& adam) const; // no-op when empty (nothing trained yet)
};

struct LatentModels {
    explicit LatentModels(const LatentModelSpec& spec);

    LatentModelSpec spec;
    FeatureClassifier classifier;
    Autoencoder autoencoder;
    LatentStatistics latentStatistics; // of the training images' mean encodings
    Denoiser consistency, diffusion;

    // How far each is trained; `plannedIterations` is the curriculum's length.
    std::int64_t classifierSteps = 0, autoencoderSteps = 0, consistencyIterations = 0, diffusionIterations = 0;
    std::int64_t plannedIterations = 0;
    int batch = 0; // of the denoisers' training (a resume keeps it, so batches continue in order)
    bool cosineRate = false; // their learning rate fell as a cosine over plannedIterations (else constant); a resume keeps it
    OptimiserState consistencyOptimiser, diffusionOptimiser;
    // The moving averages of the denoisers' parameter values (empty until trained, or when off).
    std::vector<Matrix> consistencyAverage, diffusionAverage;
    double classifierAccuracy = 0; // on the first test images, after training
    double twoStepTau = 0;         // found by search after training (0: not searched)
    // τ₂, τ₃ … of the 3-, 4- … step samplers, each searched with the ones before it fixed
    // (searchLaterTaus); empty: those samplers fall back to a Karras grid's inner levels.
    std::vector<double> laterTaus;

    // The denoisers sampling uses: copies holding the averaged weights (the raw ones without an
    // average), so that training can go on from the raw weights.
    Denoiser samplingConsistency();
    Denoiser samplingDiffusion();
    // Moves each average towards the current weights after a training step (starts it there).
    static void updateAverage(std::vector<Matrix>& average, Denoiser& model, double decay);

    // Standardised latents → images [B, 784] through the decoder.
    Matrix decode(const Matrix& standardisedLatents);
    // Images → standardised latents (mean encodings).
    Matrix encode(const Matrix& images);
    std::string recipeText() const; // "Cauchy, adaptive c, diffusion loss, OT coupling"
};

NpzArchive checkpointArchive(LatentModels& models);
// Throws FormatError naming `source` and the member at fault (missing tensor, wrong shape, not a
// checkpoint of this engine, an unknown version).
LatentModels modelsFromCheckpoint(const NpzArchive& archive, const std::string& source);
LatentModels loadCheckpoint(const std::filesystem::path& file);

} // namespace ls::consistency
