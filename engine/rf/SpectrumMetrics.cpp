#include "SpectrumMetrics.h"

#include "engine/core/Error.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace ls::rf {

namespace {

constexpr int kWindow = 11;
constexpr double kC1 = 0.01 * 0.01, kC2 = 0.03 * 0.03;

template <class T> std::array<T, kWindow> gaussianWindow()
{
    std::array<double, kWindow> weights{};
    double sum = 0;
    for (int i = 0; i < kWindow; ++i) {
        const double x = i - kWindow / 2;
        weights[i] = std::exp(-x * x / (2 * 1.5 * 1.5));
        sum += weights[i];
    }
    std::array<T, kWindow> rounded{};
    for (int i = 0; i < kWindow; ++i)
        rounded[i] = static_cast<T>(weights[i] / sum);
    return rounded;
}

enum class Border { Zero, Reflect };

// scipy.ndimage's "reflect" boundary (d c b a | a b c d | d c b a), which skimage's SSIM uses.
int reflectIndex(int i, int n)
{
    while (i < 0 || i >= n)
        i = i < 0 ? -i - 1 : 2 * n - i - 1;
    return i;
}

// Separable Gaussian "same" filtering. With zeros outside (the training loss's), the window is
// symmetric, so this is also its adjoint; with reflected borders it is skimage's filter.
// Each output sums its taps in tap order from 0, at the borders and inside alike; inside, the
// loops run tap by tap across a whole row so they vectorise (the training loss blurs 10 maps per
// spectrum and step).
// T: double for the metric (skimage's, in double); float for the training loss, as the reference's
// PyTorch SSIM computes it, at twice the values per vector instruction (the blur was a sixth of a
// training step in double).
// Into `result`, with `rows` as scratch (both H·W values, overwritten), so the training loss can
// keep its buffers from step to step.
template <class T> void blurInto(const T* image, T* result, T* rows, int height, int width, Border border = Border::Zero)
{
    static const auto window = gaussianWindow<T>();
    constexpr int half = kWindow / 2;
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    std::fill(rows, rows + pixels, T(0));
    std::fill(result, result + pixels, T(0));
    // The index tap k reads for output i of n values (−1: outside, zero).
    auto tap = [&](int i, int n) { return border == Border::Reflect ? reflectIndex(i, n) : (i >= 0 && i < n ? i : -1); };
    auto edgeSum = [&](const T* line, int i, int n, std::size_t stride) {
        T sum = 0;
        for (int k = 0; k < kWindow; ++k)
            if (const int j = tap(i + k - half, n); j >= 0)
                sum += window[k] * line[static_cast<std::size_t>(j) * stride];
        return sum;
    };
    const int innerBegin = std::min(half, width), innerEnd = std::max(innerBegin, width - half);
    for (int y = 0; y < height; ++y) {
        const T* in = image + static_cast<std::size_t>(y) * width;
        T* out = rows + static_cast<std::size_t>(y) * width;
        for (int x = 0; x < width; ++x)
            if (x < innerBegin || x >= innerEnd)
                out[x] = edgeSum(in, x, width, 1);
        for (int k = 0; k < kWindow; ++k) {
            const T w = window[k];
            const int shift = k - half;
            for (int x = innerBegin; x < innerEnd; ++x)
                out[x] += w * in[x + shift];
        }
    }
    // Columns: a whole row per tap, the border rows too (their taps outside skipped, or reflected),
    // so the sums keep edgeSum's order and every row vectorises; a column at a time through
    // edgeSum made the first and last five rows a third of the blur.
    const std::size_t stride = static_cast<std::size_t>(width);
    for (int y = 0; y < height; ++y) {
        T* out = result + static_cast<std::size_t>(y) * stride;
        for (int k = 0; k < kWindow; ++k) {
            const int j = tap(y + k - half, height);
            if (j < 0)
                continue;
            const T w = window[k];
            const T* in = rows + static_cast<std::size_t>(j) * stride;
            for (int x = 0; x < width; ++x)
                out[x] += w * in[x];
        }
    }
}

template <class T> std::vector<T> blur(const std::vector<T>& image, int height, int width, Border border)
{
    std::vector<T> rows(image.size()), result(image.size());
    blurInto(image.data(), result.data(), rows.data(), height, width, border);
    return result;
}

// The five local means SSIM is made of, for one border rule, in T (the metric's, in double).
template <class T> struct LocalMoments {
    std::vector<T> x, y, ux, uy, uxx, uyy, uxy;
};

template <class T> LocalMoments<T> localMoments(const std::vector<float>& image, const std::vector<float>& reference, int height, int width, Border border)
{
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    LocalMoments<T> m;
    m.x.resize(pixels);
    m.y.resize(pixels);
    std::vector<T> xx(pixels), yy(pixels), xy(pixels);
    for (std::size_t p = 0; p < pixels; ++p) {
        m.x[p] = image[p];
        m.y[p] = reference[p];
        xx[p] = m.x[p] * m.x[p];
        yy[p] = m.y[p] * m.y[p];
        xy[p] = m.x[p] * m.y[p];
    }
    m.ux = blur(m.x, height, width, border);
    m.uy = blur(m.y, height, width, border);
    m.uxx = blur(xx, height, width, border);
    m.uyy = blur(yy, height, width, border);
    m.uxy = blur(xy, height, width, border);
    return m;
}

} // namespace

double ssimSkimage(const std::vector<float>& image, const std::vector<float>& reference, int height, int width)
{
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    if (image.size() != pixels || reference.size() != pixels)
        throw ArgumentError("ssim: images of " + std::to_string(image.size()) + " and " + std::to_string(reference.size()) +
                            " values for " + std::to_string(height) + "×" + std::to_string(width));
    if (height < kWindow || width < kWindow)
        throw ArgumentError("ssim: a " + std::to_string(height) + "×" + std::to_string(width) + " image is smaller than the 11×11 window");
    const LocalMoments<double> m = localMoments<double>(image, reference, height, width, Border::Reflect);
    const auto &ux = m.ux, &uy = m.uy, &uxx = m.uxx, &uyy = m.uyy, &uxy = m.uxy;
    // skimage averages S over the image less a border of (window − 1) / 2, where the window leaves it.
    constexpr int kPad = (kWindow - 1) / 2;
    double total = 0;
    for (int row = kPad; row < height - kPad; ++row)
        for (int column = kPad; column < width - kPad; ++column) {
            const std::size_t p = static_cast<std::size_t>(row) * width + column;
            const double vx = uxx[p] - ux[p] * ux[p], vy = uyy[p] - uy[p] * uy[p], vxy = uxy[p] - ux[p] * uy[p];
            total += (2 * ux[p] * uy[p] + kC1) * (2 * vxy + kC2) / ((ux[p] * ux[p] + uy[p] * uy[p] + kC1) * (vx + vy + kC2));
        }
    return total / (static_cast<double>(height - 2 * kPad) * (width - 2 * kPad));
}

namespace {

// The training loss's SSIM: mean SSIM of [H, W] `image` against `reference`, zero-padded, the
// moments blurred in float and each pixel's SSIM and derivatives worked in double; with
// `gradient` (H·W values), also d(mean SSIM)/d(image). Every buffer is the workspace's.
double trainingSsim(const float* image, const float* reference, int height, int width, double* gradient, LossWorkspace& w)
{
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    for (std::vector<float>* buffer : {&w.x, &w.y, &w.xx, &w.yy, &w.xy, &w.ux, &w.uy, &w.uxx, &w.uyy, &w.uxy, &w.rows})
        buffer->resize(pixels); // once: the map's size does not change from step to step
    for (std::size_t p = 0; p < pixels; ++p) {
        w.x[p] = image[p];
        w.y[p] = reference[p];
        w.xx[p] = w.x[p] * w.x[p];
        w.yy[p] = w.y[p] * w.y[p];
        w.xy[p] = w.x[p] * w.y[p];
    }
    blurInto(w.x.data(), w.ux.data(), w.rows.data(), height, width);
    blurInto(w.y.data(), w.uy.data(), w.rows.data(), height, width);
    blurInto(w.xx.data(), w.uxx.data(), w.rows.data(), height, width);
    blurInto(w.yy.data(), w.uyy.data(), w.rows.data(), height, width);
    blurInto(w.xy.data(), w.uxy.data(), w.rows.data(), height, width);
    const auto &x = w.x, &y = w.y, &muX = w.ux, &muY = w.uy, &meanXX = w.uxx, &meanYY = w.uyy, &meanXY = w.uxy;
    auto &dMu = w.dMu, &dXX = w.dXX, &dXY = w.dXY; // d SSIM_p / d(local mean of x, of x², of xy)
    if (gradient)
        for (std::vector<float>* buffer : {&w.dMu, &w.dXX, &w.dXY, &w.gMu, &w.gXX, &w.gXY})
            buffer->resize(pixels);
    double total = 0;
    for (std::size_t p = 0; p < pixels; ++p) {
        const double ux = muX[p], uy = muY[p];
        const double a1 = 2 * ux * uy + kC1, a2 = 2 * (meanXY[p] - ux * uy) + kC2;
        const double b1 = ux * ux + uy * uy + kC1;
        const double b2 = (meanXX[p] - ux * ux) + (meanYY[p] - uy * uy) + kC2;
        const double s = a1 * a2 / (b1 * b2);
        total += s;
        if (gradient) {
            dXX[p] = static_cast<float>(-s / b2);
            dXY[p] = static_cast<float>(2 * s / a2);
            dMu[p] = static_cast<float>(s * (2 * uy / a1 - 2 * uy / a2 - 2 * ux / b1 + 2 * ux / b2));
        }
    }
    if (gradient) {
        blurInto(dMu.data(), w.gMu.data(), w.rows.data(), height, width);
        blurInto(dXX.data(), w.gXX.data(), w.rows.data(), height, width);
        blurInto(dXY.data(), w.gXY.data(), w.rows.data(), height, width);
        for (std::size_t p = 0; p < pixels; ++p)
            gradient[p] = (w.gMu[p] + 2.0 * x[p] * w.gXX[p] + static_cast<double>(y[p]) * w.gXY[p]) / static_cast<double>(pixels);
    }
    return total / static_cast<double>(pixels);
}

} // namespace

double ssim(const std::vector<float>& image, const std::vector<float>& reference, int height, int width, std::vector<double>* gradient)
{
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    if (image.size() != pixels || reference.size() != pixels || pixels == 0)
        throw ArgumentError("ssim: both images must hold " + std::to_string(height) + " × " + std::to_string(width) + " values");
    LossWorkspace workspace;
    if (gradient)
        gradient->resize(pixels);
    return trainingSsim(image.data(), reference.data(), height, width, gradient ? gradient->data() : nullptr, workspace);
}

double meanSquaredError(const std::vector<float>& image, const std::vector<float>& reference)
{
    if (image.size() != reference.size() || image.empty())
        throw ArgumentError("mse: the images differ in size or are empty");
    double sum = 0;
    for (std::size_t p = 0; p < image.size(); ++p)
        sum += (static_cast<double>(image[p]) - reference[p]) * (static_cast<double>(image[p]) - reference[p]);
    return sum / static_cast<double>(image.size());
}

double psnrDb(double mse) { return mse > 0 ? -10.0 * std::log10(mse) : 99.0; }

LossTerms spectrumLossInto(const float* image, const float* reference, int height, int width, double ssimWeight, float gradientDivisor,
                           float* gradient, LossWorkspace& workspace)
{
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    LossTerms terms;
    workspace.ssimGradient.resize(pixels);
    terms.ssim = trainingSsim(image, reference, height, width, workspace.ssimGradient.data(), workspace);
    const std::vector<double>& ssimGradient = workspace.ssimGradient;
    double l1 = 0;
    for (std::size_t p = 0; p < pixels; ++p) {
        const double difference = static_cast<double>(image[p]) - reference[p];
        l1 += std::abs(difference);
        const double sign = difference > 0 ? 1.0 : (difference < 0 ? -1.0 : 0.0);
        gradient[p] = static_cast<float>((1 - ssimWeight) * sign / pixels - ssimWeight * ssimGradient[p]) / gradientDivisor;
    }
    terms.l1 = l1 / pixels;
    terms.loss = (1 - ssimWeight) * terms.l1 + ssimWeight * (1 - terms.ssim);
    return terms;
}

SpectrumLoss spectrumLoss(const std::vector<float>& image, const std::vector<float>& reference, int height, int width, double ssimWeight)
{
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    if (image.size() != pixels || reference.size() != pixels || pixels == 0)
        throw ArgumentError("loss: both images must hold " + std::to_string(height) + " × " + std::to_string(width) + " values");
    SpectrumLoss result;
    result.gradient.resize(pixels);
    LossWorkspace workspace;
    static_cast<LossTerms&>(result) = spectrumLossInto(image.data(), reference.data(), height, width, ssimWeight, 1.0f, result.gradient.data(), workspace);
    return result;
}

} // namespace ls::rf
