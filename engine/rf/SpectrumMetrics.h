#pragma once
// Image metrics on spectra in [0, 1]: SSIM (11×11 Gaussian window, σ = 1.5, C1 = 0.01², C2 = 0.03²,
// zero-padded "same" filtering, as the Gaussian-splatting papers' training losses compute it), with
// its gradient for training; skimage's SSIM for scores; PSNR and MSE for the held-out tables.
#include <vector>

namespace ls::rf {

// Mean SSIM of `image` against `reference` (both [H, W]); with `gradient`, also d(mean SSIM)/d(image).
double ssim(const std::vector<float>& image, const std::vector<float>& reference, int height, int width,
            std::vector<double>* gradient = nullptr);

// SSIM as skimage.metrics.structural_similarity computes it with gaussian_weights=True, sigma=1.5,
// use_sample_covariance=False, data_range=1: the same window and constants, borders reflected
// (scipy's "reflect"), and the mean taken over the image less a 5-pixel border. This is the
// definition every held-out score uses; `ssim` above stays the training loss's (the reference's).
double ssimSkimage(const std::vector<float>& image, const std::vector<float>& reference, int height, int width);

double meanSquaredError(const std::vector<float>& image, const std::vector<float>& reference);
double psnrDb(double meanSquaredError); // peak 1

// The training loss (1 − λ)·L1 + λ·(1 − SSIM) and its gradient with respect to `image`.
struct LossTerms {
    double loss = 0, l1 = 0, ssim = 0;
};
struct SpectrumLoss : LossTerms {
    std::vector<float> gradient; // [H, W]
};
SpectrumLoss spectrumLoss(const std::vector<float>& image, const std::vector<float>& reference, int height, int width, double ssimWeight);

// The training loss's scratch (the SSIM's moments and their blurs), kept from step to step, one
// per worker, so a training step allocates none of it.
struct LossWorkspace {
    std::vector<float> x, y, xx, yy, xy, ux, uy, uxx, uyy, uxy, rows, dMu, dXX, dXY, gMu, gXX, gXY;
    std::vector<double> ssimGradient;
};
// As spectrumLoss, on H·W values at `image` and `reference`, writing the gradient divided by
// `gradientDivisor` (a batch's map count) to `gradient`: the same values, rounded the same way.
LossTerms spectrumLossInto(const float* image, const float* reference, int height, int width, double ssimWeight, float gradientDivisor,
                           float* gradient, LossWorkspace& workspace);

} // namespace ls::rf
