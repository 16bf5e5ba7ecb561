#include "Compositing.h"
#include "SplatRenderer.h"

#include "engine/core/ParallelFor.h"

#include <cmath>

namespace ls::rf {

namespace {

// Gradients with respect to what compositing sees of each splat, accumulated per worker.
struct SplatGradients {
    std::vector<double> centre;   // [N, 2]  dL/du, dL/dv
    std::vector<double> conic;    // [N, 3]
    std::vector<double> opacity;  // [N]     dL/d(sigmoid output)
    std::vector<double> emission; // [N, 2F]
    SplatGradients(std::size_t n, int outputs) : centre(n * 2), conic(n * 3), opacity(n), emission(n * outputs) {}
    void add(const SplatGradients& other)
    {
        for (auto [mine, theirs] : {std::pair{&centre, &other.centre}, {&conic, &other.conic}, {&opacity, &other.opacity}, {&emission, &other.emission}})
            for (std::size_t i = 0; i < mine->size(); ++i)
                (*mine)[i] += (*theirs)[i];
    }
};

// dL/dchannels [2F, H, W] from dL/dspectrum [F, H, W].
std::vector<double> channelGradients(const RenderResult& result, const std::vector<float>& spectrumGradient, int frequencies,
                                     std::size_t pixels, SpectrumQuantity quantity)
{
    std::vector<double> gradient(2 * frequencies * pixels, 0.0);
    for (int f = 0; f < frequencies; ++f)
        for (std::size_t p = 0; p < pixels; ++p) {
            const double upstream = spectrumGradient[f * pixels + p];
            if (quantity == SpectrumQuantity::RealPart) {
                gradient[(2 * f) * pixels + p] = upstream;
                continue;
            }
            const double re = result.channels[(2 * f) * pixels + p], im = result.channels[(2 * f + 1) * pixels + p];
            const double magnitude = std::sqrt(re * re + im * im + kMagnitudeFloor);
            gradient[(2 * f) * pixels + p] = upstream * re / magnitude;
            gradient[(2 * f + 1) * pixels + p] = upstream * im / magnitude;
        }
    return gradient;
}

// Walks each pixel's splats back to front (the forward order reversed), recovering T by division.
void compositeBackward(const RenderSettings& settings, int outputs, const RenderState& state, const std::vector<double>& channelGradient,
                       std::vector<SplatGradients>& perWorker)
{
    const PixelMapping& mapping = settings.mapping;
    const int width = mapping.width, height = mapping.height, across = tilesAcross(mapping);
    const std::size_t tiles = state.bins.tileBegin.size(), pixels = static_cast<std::size_t>(width) * height;
    std::vector<double> minPower(state.opacity.size()); // as in the forward pass: skip exp where α is cut anyway
    for (std::size_t g = 0; g < minPower.size(); ++g)
        minPower[g] = state.opacity[g] > 0 ? std::log(static_cast<double>(settings.alphaThreshold) / state.opacity[g]) : 0.0;
    parallelFor(tiles, static_cast<int>(perWorker.size()), [&](std::size_t begin, std::size_t end, int worker) {
        SplatGradients& gradients = perWorker[worker];
        std::vector<double> upstream(outputs), behind(outputs), lastEmission(outputs);
        for (std::size_t tile = begin; tile < end; ++tile) {
            const int tileRow = static_cast<int>(tile) / across, tileColumn = static_cast<int>(tile) % across;
            for (int row = tileRow * kTileSize; row < std::min(height, (tileRow + 1) * kTileSize); ++row)
                for (int column = tileColumn * kTileSize; column < std::min(width, (tileColumn + 1) * kTileSize); ++column) {
                    const std::size_t pixel = static_cast<std::size_t>(row) * width + column;
                    for (int o = 0; o < outputs; ++o)
                        upstream[o] = channelGradient[o * pixels + pixel];
                    std::fill(behind.begin(), behind.end(), 0.0);
                    std::fill(lastEmission.begin(), lastEmission.end(), 0.0);
                    double transmittance = state.finalTransmittance[pixel], lastAlpha = 0;
                    const std::uint32_t first = state.bins.tileBegin[tile];
                    for (std::uint32_t entry = first + state.contributors[pixel]; entry-- > first;) {
                        const std::uint32_t g = state.bins.gaussianIds[entry];
                        const double dx = wrappedColumnOffset<double>(column, state.u[g], width), dy = row - state.v[g];
                        const double a = state.conic[g * 3], b = state.conic[g * 3 + 1], c = state.conic[g * 3 + 2];
                        const double power = splatPower<double>(a, b, c, dx, dy);
                        if (power < minPower[g] - 1e-6) // margin: the forward pass compared in float
                            continue;
                        const double rawAlpha = splatAlpha<double>(state.opacity[g], power);
                        const double alpha = std::min<double>(kMaxAlpha, rawAlpha);
                        if (alpha < settings.alphaThreshold)
                            continue;
                        transmittance /= (1 - alpha); // T before this splat
                        // C = Σ cᵢαᵢTᵢ: ∂C/∂αᵢ = Tᵢ(cᵢ − (colour behind i, per unit of light reaching it)).
                        double alphaGradient = 0;
                        for (int o = 0; o < outputs; ++o) {
                            behind[o] = lastAlpha * lastEmission[o] + (1 - lastAlpha) * behind[o];
                            const double e = state.emission[g * outputs + o];
                            gradients.emission[g * outputs + o] += alpha * transmittance * upstream[o];
                            alphaGradient += (e - behind[o]) * transmittance * upstream[o];
                            lastEmission[o] = e;
                        }
                        lastAlpha = alpha;
                        if (rawAlpha >= kMaxAlpha)
                            continue; // clamped: α does not move with the splat
                        const double gaussian = std::exp(power);
                        gradients.opacity[g] += gaussian * alphaGradient;
                        const double powerGradient = state.opacity[g] * gaussian * alphaGradient;
                        // power = −½(a dx² + c dy²) − b dx dy, with dx = column − u, dy = row − v
                        gradients.conic[g * 3] += -0.5 * dx * dx * powerGradient;
                        gradients.conic[g * 3 + 1] += -dx * dy * powerGradient;
                        gradients.conic[g * 3 + 2] += -0.5 * dy * dy * powerGradient;
                        gradients.centre[g * 2] += (a * dx + b * dy) * powerGradient;
                        gradients.centre[g * 2 + 1] += (c * dy + b * dx) * powerGradient;
                    }
                }
        }
    });
}

// Chains (u, v, conic) gradients through the projection, evaluated once on duals per Gaussian.
void projectionBackward(const GaussianField& field, const ReceiverFrame<double>& frame, const PixelMapping& mapping,
                        const RenderState& state, const SplatGradients& splat, GaussianField& gradients)
{
    using D = Dual<double, 10>; // inputs: mean (3), log-scale (3), quaternion (4)
    const std::size_t n = field.count();
    parallelFor(n, parallelWorkers(n / 512), [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t g = begin; g < end; ++g) {
            if (state.radius[g] == 0)
                continue;
            D mean[3], logScale[3], quaternion[4];
            for (int i = 0; i < 3; ++i) {
                mean[i] = D::variable(field.means[g * 3 + i], i);
                logScale[i] = D::variable(field.logScales[g * 3 + i], 3 + i);
            }
            for (int i = 0; i < 4; ++i)
                quaternion[i] = D::variable(field.rotations[g * 4 + i], 6 + i);
            SplatGeometry<D> geometry{};
            projectGaussian(mean, logScale, quaternion, frame, mapping, geometry);
            const std::pair<const D*, double> outputs[] = {{&geometry.u, splat.centre[g * 2]},      {&geometry.v, splat.centre[g * 2 + 1]},
                                                           {&geometry.conicA, splat.conic[g * 3]},  {&geometry.conicB, splat.conic[g * 3 + 1]},
                                                           {&geometry.conicC, splat.conic[g * 3 + 2]}};
            double inputGradient[10] = {};
            for (const auto& [output, upstream] : outputs)
                for (int i = 0; i < 10; ++i)
                    inputGradient[i] += upstream * output->d[i];
            for (int i = 0; i < 3; ++i) {
                gradients.means[g * 3 + i] += static_cast<float>(inputGradient[i]);
                gradients.logScales[g * 3 + i] += static_cast<float>(inputGradient[3 + i]);
            }
            for (int i = 0; i < 4; ++i)
                gradients.rotations[g * 4 + i] += static_cast<float>(inputGradient[6 + i]);
            const double opacity = state.opacity[g];
            gradients.opacityLogits[g] += static_cast<float>(splat.opacity[g] * opacity * (1 - opacity));
        }
    });
}

} // namespace

GaussianField backwardCpu(const GaussianField& field, const ReceiverPose& receiver, const std::array<float, 3>& movingEnd,
                          const RenderSettings& settings, const RenderResult& result, const std::vector<float>& spectrumGradient,
                          std::vector<float>* centreGradientNorms)
{
    const std::size_t pixels = static_cast<std::size_t>(settings.mapping.width) * settings.mapping.height;
    const int outputs = field.outputs();
    const std::size_t tiles = result.state.bins.tileBegin.size();
    std::vector<SplatGradients> perWorker(parallelWorkers(tiles), SplatGradients(field.count(), outputs));
    compositeBackward(settings, outputs, result.state,
                      channelGradients(result, spectrumGradient, field.frequencies, pixels, settings.quantity), perWorker);
    for (std::size_t worker = 1; worker < perWorker.size(); ++worker)
        perWorker[0].add(perWorker[worker]);

    if (centreGradientNorms) {
        const std::vector<double>& centre = perWorker[0].centre;
        centreGradientNorms->resize(field.count());
        for (std::size_t g = 0; g < field.count(); ++g)
            (*centreGradientNorms)[g] = static_cast<float>(std::hypot(centre[g * 2], centre[g * 2 + 1]));
    }
    GaussianField gradients = field.zerosLike();
    projectionBackward(field, receiverFrame(receiver), settings.mapping, result.state, perWorker[0], gradients);
    emissionsBackward(field, movingEnd, result.state.emission, perWorker[0].emission, gradients);
    return gradients;
}

} // namespace ls::rf
