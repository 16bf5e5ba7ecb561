#pragma once
// Image metrics on spectra in [0, 1]: SSIM (11×11 Gaussian window, σ = 1.5, C1 = 0.01², C2 = 0.03²,
// zero-padded "same" filtering, as the Gaussian-splatting papers compute it), with its gradient for
// training; PSNR and MSE for the held-out tables.
#include <vector>

namespace ls::rf {

// Mean SSIM of `image` against `reference` (both [H, W]); with `gradient`, also d(mean SSIM)/d(image).
double ssim(const std::vector<float>& image, const std::vector<float>& reference, int height, int width,
            std::vector<double>* gradient = nullptr);

double meanSquaredError(const std::vector<float>& image, const std::vector<float>& reference);
double psnrDb(double meanSquaredError); // peak 1

// The training loss (1 − λ)·L1 + λ·(1 − SSIM) and its gradient with respect to `image`.
struct SpectrumLoss {
    double loss = 0, l1 = 0, ssim = 0;
    std::vector<float> gradient; // [H, W]
};
SpectrumLoss spectrumLoss(const std::vector<float>& image, const std::vector<float>& reference, int height, int width, double ssimWeight);

} // namespace ls::rf
