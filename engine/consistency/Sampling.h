#pragma once
// Samplers on a trained denoiser, seeded (noise from CounterRng streams, so every run and device
// draws the same): multistep consistency sampling and the EDM Euler/Heun sampler of the baseline.
#include "Denoiser.h"

#include <cstdint>
#include <vector>

namespace ls::consistency {

// x = f(σ_max·z, σ_max); then for each τ (descending, in (σ_min, σ_max)): x = f(x + √(τ² − σ_min²)·z, τ).
// `taus` empty is 1-step sampling. One network evaluation per step.
// `estimates`, when given, receives the sampler's estimate of the clean latents after each network
// evaluation (for consistency: each step's output; for Euler/Heun: D(x, σ) at each level) — the
// trajectories the latent view draws.
// `labels` (class-conditional models; −1 = none) with `guidance` w ≠ 1: classifier-free guidance, each
// evaluation u + w·(c − u) of the unconditional u and the conditional c output (two evaluations).
Matrix sampleConsistency(Denoiser& model, int count, const std::vector<double>& taus, std::uint64_t seed,
                         const std::vector<int>& labels = {}, std::vector<Matrix>* estimates = nullptr, double guidance = 1.0);

// Karras et al.'s deterministic sampler over their σ grid of `steps` levels (ρ = 7) down to 0:
// Euler, or Heun's second-order correction (2 evaluations a step but the last).
Matrix sampleDiffusion(Denoiser& model, int count, int steps, bool heun, std::uint64_t seed, const std::vector<int>& labels = {},
                       std::vector<Matrix>* estimates = nullptr, double guidance = 1.0);

// One guided evaluation: the model's output for `labels`, or with guidance w ≠ 1 the unconditional
// output moved w times the way the labels move it (Ho & Salimans' classifier-free guidance).
Matrix guidedForward(Denoiser& model, const Matrix& x, const std::vector<double>& sigmas, const std::vector<int>& labels, double guidance);

// Labels for `count` class-conditional samples: all `onlyClass` when it is ≥ 0, else 0, 1 … classes − 1
// in turn (balanced, what a class-conditional Fréchet distance compares with the whole test split).
std::vector<int> sampleLabels(int count, int classes, int onlyClass);

} // namespace ls::consistency
