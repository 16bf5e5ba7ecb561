#include "SpectrumMetrics.h"

#include "engine/core/Error.h"

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
template <class T> std::vector<T> blur(const std::vector<T>& image, int height, int width, Border border = Border::Zero)
{
    static const auto window = gaussianWindow<T>();
    constexpr int half = kWindow / 2;
    std::vector<T> rows(image.size(), T(0)), result(image.size(), T(0));
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
        const T* in = image.data() + static_cast<std::size_t>(y) * width;
        T* out = rows.data() + static_cast<std::size_t>(y) * width;
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
        T* out = result.data() + static_cast<std::size_t>(y) * stride;
        for (int k = 0; k < kWindow; ++k) {
            const int j = tap(y + k - half, height);
            if (j < 0)
                continue;
            const T w = window[k];
            const T* in = rows.data() + static_cast<std::size_t>(j) * stride;
            for (int x = 0; x < width; ++x)
                out[x] += w * in[x];
        }
    }
    return result;
}

// The five local means SSIM is made of, for one border rule, in T.
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

double ssim(const std::vector<float>& image, const std::vector<float>& reference, int height, int width, std::vector<double>* gradient)
{
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    if (image.size() != pixels || reference.size() != pixels || pixels == 0)
        throw ArgumentError("ssim: both images must hold " + std::to_string(height) + " × " + std::to_string(width) + " values");
    // The moments in float (blurred in float); each pixel's SSIM and its derivatives in double.
    const LocalMoments<float> m = localMoments<float>(image, reference, height, width, Border::Zero);
    const auto &x = m.x, &y = m.y, &muX = m.ux, &muY = m.uy, &meanXX = m.uxx, &meanYY = m.uyy, &meanXY = m.uxy;
    double total = 0;
    std::vector<float> dMu, dXX, dXY; // d SSIM_p / d(local mean of x, of x², of xy)
    if (gradient)
        dMu.resize(pixels), dXX.resize(pixels), dXY.resize(pixels);
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
        const auto gMu = blur(dMu, height, width), gXX = blur(dXX, height, width), gXY = blur(dXY, height, width);
        gradient->resize(pixels);
        for (std::size_t p = 0; p < pixels; ++p)
            (*gradient)[p] = (gMu[p] + 2.0 * x[p] * gXX[p] + static_cast<double>(y[p]) * gXY[p]) / static_cast<double>(pixels);
    }
    return total / static_cast<double>(pixels);
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

SpectrumLoss spectrumLoss(const std::vector<float>& image, const std::vector<float>& reference, int height, int width, double ssimWeight)
{
    SpectrumLoss result;
    std::vector<double> ssimGradient;
    result.ssim = ssim(image, reference, height, width, &ssimGradient);
    const std::size_t pixels = image.size();
    result.gradient.resize(pixels);
    double l1 = 0;
    for (std::size_t p = 0; p < pixels; ++p) {
        const double difference = static_cast<double>(image[p]) - reference[p];
        l1 += std::abs(difference);
        const double sign = difference > 0 ? 1.0 : (difference < 0 ? -1.0 : 0.0);
        result.gradient[p] = static_cast<float>((1 - ssimWeight) * sign / pixels - ssimWeight * ssimGradient[p]);
    }
    result.l1 = l1 / pixels;
    result.loss = (1 - ssimWeight) * result.l1 + ssimWeight * (1 - result.ssim);
    return result;
}

} // namespace ls::rf
