#pragma once
// The latent space: a variational autoencoder of MLPs (784 → hidden → 2·d statistics; d → hidden →
// 784 logits), trained on Fashion-MNIST with binary cross-entropy on the logits plus the KL term.
// Its mean encodings, standardised to σ_data, are the latents the consistency model works in.
#include "Adam.h"
#include "Layers.h"

#include <cstdint>
#include <vector>

namespace ls::consistency {

struct AutoencoderSpec {
    int inputs = 784;
    int hidden = 512;
    int latent = 32;
    float klWeight = 1.0f;
    std::uint64_t seed = 1;
};

struct AutoencoderLoss {
    double reconstruction = 0; // binary cross-entropy summed over pixels, mean over the batch
    double kl = 0;             // KL(q(z|x) ‖ N(0, I)), mean over the batch
};

template <class S> class AutoencoderOf {
public:
    explicit AutoencoderOf(const AutoencoderSpec& spec);
    const AutoencoderSpec& spec() const { return spec_; }

    // Loss of a batch [B, inputs] in [0, 1] with reparameterisation noise `epsilon` [B, latent];
    // accumulates the gradients of reconstruction + klWeight · kl into the parameters.
    AutoencoderLoss forwardBackward(const MatrixOf<S>& images, const MatrixOf<S>& epsilon);
    // One Adam step on a batch, noise drawn from `noiseSeed`.
    AutoencoderLoss trainStep(const MatrixOf<S>& images, AdamOf<S>& optimiser, std::uint64_t noiseSeed);

    MatrixOf<S> encodeMean(const MatrixOf<S>& images); // μ [B, latent]
    MatrixOf<S> decode(const MatrixOf<S>& latents);    // pixels [B, inputs] in [0, 1]
    // Reconstruction BCE of the mean encodings (no noise), mean over the batch.
    double reconstructionLoss(const MatrixOf<S>& images);

    std::vector<ParameterOf<S>*> parameters();

private:
    MatrixOf<S> decodeLogits(const MatrixOf<S>& latents);

    AutoencoderSpec spec_;
    LinearOf<S> encoderHidden_, encoderStatistics_, decoderHidden_, decoderOutput_;
    ActivationOf<S> encoderActivation_{ActivationKind::LeakyRelu}, decoderActivation_{ActivationKind::LeakyRelu};
};
using Autoencoder = AutoencoderOf<float>;

// Per-dimension statistics of latents [N, d]: the heavy tails that motivate the Cauchy loss.
struct LatentStatistics {
    std::vector<float> mean, std, excessKurtosis; // [d] each; a Gaussian has excess kurtosis 0
    double outlierFraction = 0;                   // of all values beyond 4 standard deviations
    double meanExcessKurtosis() const;
};
LatentStatistics latentStatistics(const Matrix& latents);

// (z − mean) / std · σ_data per dimension, and back.
Matrix standardiseLatents(const Matrix& latents, const LatentStatistics& stats, float sigmaData);
Matrix unstandardiseLatents(const Matrix& latents, const LatentStatistics& stats, float sigmaData);

} // namespace ls::consistency
