#pragma once
// The noise schedule, network scalings and losses of consistency training in EDM's
// parameterisation, with the constants of the improved recipe (Song & Dhariwal 2023, "iCT"; Dao et
// al. 2025, "Improved Training Technique for Latent Consistency Models", code quandao10/sLCT):
//   f(x, σ) = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x, c_noise(σ)), with f(x, σ_min) = x exactly.
#include <cstdint>
#include <span>
#include <vector>

namespace ls::consistency {

struct Edm {
    double sigmaMin = 0.002;
    double sigmaMax = 80.0;
    double rho = 7.0;
    double sigmaData = 0.5; // latents are standardised to this
};

// Karras et al.'s grid, ascending: σ_i = (σ_min^(1/ρ) + i/(N−1)·(σ_max^(1/ρ) − σ_min^(1/ρ)))^ρ, i = 0 … N−1.
std::vector<double> karrasSigmas(int steps, const Edm& edm = {});

// The consistency boundary condition is in c_skip and c_out: at σ = σ_min, c_skip = 1, c_out = 0.
double cSkip(double sigma, const Edm& edm = {});   // σ_d² / ((σ − σ_min)² + σ_d²)
double cOut(double sigma, const Edm& edm = {});    // σ_d (σ − σ_min) / √(σ_d² + σ²)
double cIn(double sigma, const Edm& edm = {});     // 1 / √(σ² + σ_d²)
double cNoise(double sigma);                       // 250 · ln σ, the network's noise-level input

// Discretisation curriculum: N(k) = min(s0 · 2^⌊k / K'⌋, s1) + 1 with K' = ⌊K / (log2(s1/s0) + 1)⌋;
// s0 = 10, s1 = 640 doubles from 11 to 641 steps over 7 equal stages of the K iterations.
int curriculumSteps(std::int64_t iteration, std::int64_t totalIterations, int s0 = 10, int s1 = 640);

// iCT's discretised log-normal over the N−1 adjacent pairs (σ_i, σ_{i+1}):
//   p(i) ∝ erf((ln σ_{i+1} − P_mean) / (√2 P_std)) − erf((ln σ_i − P_mean) / (√2 P_std)),
// P_mean = −1.1, P_std = 2.0. Sums to 1.
std::vector<double> lognormalIndexProbabilities(std::span<const double> sigmas, double mean = -1.1, double std = 2.0);

// λ(σ_i) = 1 / (σ_{i+1} − σ_i).
double pairWeight(double sigma, double nextSigma);

// Distances between the student's and the teacher's outputs for one sample (difference d):
double pseudoHuberLoss(std::span<const float> difference, double c); // √(‖d‖² + c²) − c  (iCT)
double cauchyLoss(std::span<const float> difference, double c);      // ln(1 + mean(d²) / (2c²))  (sLCT)
// sLCT's adaptive c for N discretisation steps: exp(−1.15 · ln(N − 1) − 0.85).
double adaptiveC(int steps);
// iCT's pseudo-Huber c for d-dimensional data: 0.00054 · √d (0.03 for 32×32×3 images).
double ictPseudoHuberC(int dimensions);

// Diffusion loss weight at σ (added on the lowest-noise quarter of the indices, times 5): 1/σ² + 4,
// which is 1/σ² + 1/σ_d² at σ_d = 0.5.
double diffusionWeight(double sigma, const Edm& edm = {});

} // namespace ls::consistency
