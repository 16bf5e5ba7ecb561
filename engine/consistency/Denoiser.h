#pragma once
// The network F of f(x, σ) = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x, c_noise(σ)[, class]): an MLP with
// residual blocks for latents of width d. The noise level enters as a sinusoidal embedding of
// c_noise through a small MLP, added inside every block (plus a learned class embedding when
// conditioned); blocks are h ← h + W₂·SiLU(W₁·LN(h) + e) with sLCT's non-scaling LayerNorm.
// Two parameterisations share it: consistency (c_skip, c_out with the σ_min boundary) and EDM
// diffusion (the denoiser D(x, σ) of Karras et al.) for the baseline.
#include "ConsistencySchedule.h"
#include "Layers.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace ls::consistency {

struct DenoiserSpec {
    int latent = 32;
    int hidden = 256;
    int blocks = 4;
    int embedding = 64;   // sinusoid frequencies of c_noise (2× that many features)
    int classes = 0;      // 0: unconditional; else class-conditional with a learned embedding table
    std::uint64_t seed = 1;
};

enum class Parameterisation { Consistency, Diffusion };

template <class S> class DenoiserOf {
public:
    DenoiserOf(const DenoiserSpec& spec, Parameterisation parameterisation, const Edm& edm = {});
    ~DenoiserOf();
    DenoiserOf(DenoiserOf&&) noexcept;
    DenoiserOf& operator=(DenoiserOf&&) noexcept;

    const DenoiserSpec& spec() const { return spec_; }
    Parameterisation parameterisation() const { return parameterisation_; }

    // f(x, σ) (consistency) or D(x, σ) (diffusion) for a batch: x [B, d], one σ per row, labels
    // (used when conditioned; −1 = none). Keeps what backward() needs.
    MatrixOf<S> forward(const MatrixOf<S>& x, const std::vector<double>& sigmas, const std::vector<int>& labels = {});
    // Accumulates parameter gradients for dL/d output [B, d] of the last forward.
    void backward(const MatrixOf<S>& dOutput);

    std::vector<ParameterOf<S>*> parameters();

private:
    struct Layers;
    DenoiserSpec spec_;
    Parameterisation parameterisation_;
    Edm edm_;
    std::unique_ptr<Layers> layers_;
};
using Denoiser = DenoiserOf<float>;

// Where each layer's tensors sit in DenoiserOf::parameters() (a Linear's bias right after its
// weight; no class table): what the GPU paths walk to upload, train and download them.
struct DenoiserLayout {
    struct Linear {
        int weight = 0, in = 0, out = 0; // index of the [out, in] weight; the bias is weight + 1
    };
    struct Block {
        int normBias = 0;
        Linear first, second;
    };
    Linear embedFirst, embedSecond, input, output;
    std::vector<Block> blocks;
    int outputNormBias = 0;
};
DenoiserLayout denoiserLayout(const DenoiserSpec& spec);

// The network's own scalings per parameterisation (c_skip, c_out, c_in as in ConsistencySchedule.h
// for consistency; EDM's σ_d²/(σ²+σ_d²), σ·σ_d/√(σ²+σ_d²), 1/√(σ²+σ_d²) for diffusion).
struct Scalings {
    double skip, out, in, noise;
};
Scalings scalingsAt(double sigma, Parameterisation parameterisation, const Edm& edm = {});

} // namespace ls::consistency
