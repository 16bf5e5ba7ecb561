#include "CompositeLanes.h"
#include "Compositing.h"
#include "GaussianBackward.h"
#include "RenderScratch.h"
#include "SplatRenderer.h"
#include "TileSplats.h"

#include "engine/core/Error.h"
#include "engine/core/ParallelFor.h"

#include <cmath>

namespace ls::rf {

namespace {

constexpr int kMaxBackwardOutputs = 128; // 2F: up to 64 frequencies per pass (the walk's per-pixel state)

void addInto(CompositeGradients& total, const CompositeGradients& part)
{
    for (auto [mine, theirs] : {std::pair{&total.centre, &part.centre}, {&total.conic, &part.conic}, {&total.opacity, &part.opacity},
                                {&total.emission, &part.emission}})
        for (std::size_t i = 0; i < mine->size(); ++i)
            (*mine)[i] += (*theirs)[i];
}

// The tile's per-splat sums of the lane walk folded into the worker's double gradients.
LS_LANES_BEGIN // lanes::sum is always inlined (PixelLanes.h)
void foldTileGradients(const TileSplats<float>& splats, int count, int outputs, const lanes::Floats* tileGradient, CompositeGradients& gradients)
{
    const int slotCount = kGeometrySlots + outputs;
    for (int j = 0; j < count; ++j) {
        const std::uint32_t g = splats.ids[j];
        const lanes::Floats* sums = tileGradient + static_cast<std::size_t>(j) * slotCount;
        gradients.centre[g * 2] += lanes::sum(sums[0]);
        gradients.centre[g * 2 + 1] += lanes::sum(sums[1]);
        for (int k = 0; k < 3; ++k)
            gradients.conic[g * 3 + k] += lanes::sum(sums[2 + k]);
        gradients.opacity[g] += lanes::sum(sums[5]);
        for (int o = 0; o < outputs; ++o)
            gradients.emission[g * outputs + o] += lanes::sum(sums[kGeometrySlots + o]);
    }
}
LS_LANES_END

// The eight-pixel walk (CompositeLanes.h), in float as the CUDA walk.
void compositeBackwardLanes(const RenderSettings& settings, int outputs, const RenderState& state, const std::vector<double>& channelGradient,
                            std::vector<CompositeGradients>& perWorker)
{
    const std::size_t tiles = state.bins.tileBegin.size();
    RenderScratch& scratch = state.scratch.get();
    splatCutsInto(state, settings.alphaThreshold, scratch.cuts); // the forward pass's, to the bit
    const SplatCuts& cuts = scratch.cuts;
    std::vector<WalkScratch>& walks = scratch.forWorkers(perWorker.size());
    parallelForStrided(tiles, static_cast<int>(perWorker.size()), [&](std::size_t tile, int worker) {
        WalkScratch& mine = walks[worker];
        const std::uint32_t begin = state.bins.tileBegin[tile], end = state.bins.tileEnd[tile];
        mine.splats.stage(state, cuts.minPower, begin, end, outputs);
        mine.splats.stageReach(cuts.reach);
        const int count = static_cast<int>(end - begin);
        lanes::Floats* upstream = mine.upstream.zeroed(outputs);
        lanes::Floats* gradient = mine.gradient.zeroed(static_cast<std::size_t>(count) * (kGeometrySlots + outputs));
        BackwardLaneTile lanesTile;
        describeTile(lanesTile, settings, tile, mine.splats, outputs, mine.rowList);
        lanesTile.finalTransmittance = state.finalTransmittance.data();
        lanesTile.contributors = state.contributors.data();
        lanesTile.channelGradient = channelGradient.data();
        compositeTileBackwardLanes(lanesTile, {upstream, gradient});
        foldTileGradients(mine.splats, count, outputs, gradient, perWorker[worker]);
    });
}

// Walks each pixel's splats back to front (the forward order reversed), recovering T by division.
void compositeBackward(const RenderSettings& settings, int outputs, const RenderState& state, const std::vector<double>& channelGradient,
                       std::vector<CompositeGradients>& perWorker)
{
    const PixelMapping& mapping = settings.mapping;
    const int width = mapping.width, height = mapping.height, across = tilesAcross(mapping);
    const std::size_t tiles = state.bins.tileBegin.size(), pixels = static_cast<std::size_t>(width) * height;
    std::vector<double> minPower(state.opacity.size()); // as in the forward pass: skip exp where α is cut anyway
    for (std::size_t g = 0; g < minPower.size(); ++g)
        minPower[g] = alphaCutPower<double>(state.opacity[g], settings.alphaThreshold);
    struct Scratch {
        std::vector<double> upstream, emissionGradient;
        BackwardWalk<double, kMaxBackwardOutputs> walk;
        TileSplats<double> splats;
    };
    std::vector<Scratch> scratch(perWorker.size(), Scratch{std::vector<double>(outputs), std::vector<double>(outputs), {}, {}});
    parallelForStrided(tiles, static_cast<int>(perWorker.size()), [&](std::size_t tile, int worker) {
        CompositeGradients& gradients = perWorker[worker];
        std::vector<double>& upstream = scratch[worker].upstream;
        std::vector<double>& emissionGradient = scratch[worker].emissionGradient;
        BackwardWalk<double, kMaxBackwardOutputs>& walk = scratch[worker].walk;
        TileSplats<double>& splats = scratch[worker].splats;
        splats.stage(state, minPower, state.bins.tileBegin[tile], state.bins.tileEnd[tile], outputs);
        const int tileRow = static_cast<int>(tile) / across, tileColumn = static_cast<int>(tile) % across;
        for (int row = tileRow * kTileSize; row < std::min(height, (tileRow + 1) * kTileSize); ++row)
            for (int column = tileColumn * kTileSize; column < std::min(width, (tileColumn + 1) * kTileSize); ++column) {
                const std::size_t pixel = static_cast<std::size_t>(row) * width + column;
                for (int o = 0; o < outputs; ++o)
                    upstream[o] = channelGradient[o * pixels + pixel];
                walk.transmittance = state.finalTransmittance[pixel];
                walk.lastAlpha = 0;
                std::fill_n(walk.behind, outputs, 0.0);
                std::fill_n(walk.lastEmission, outputs, 0.0);
                for (std::uint32_t j = state.contributors[pixel]; j-- > 0;) {
                    const std::uint32_t g = splats.ids[j];
                    const double dx = wrappedColumnOffset<double>(column, splats.u[j], width), dy = row - splats.v[j];
                    SplatStepGradient<double> step;
                    if (!backwardThroughSplat<double, kMaxBackwardOutputs>(dx, dy, splats.a[j], splats.b[j], splats.c[j], splats.opacity[j],
                                                                            splats.minPower[j], settings.alphaThreshold, splats.emission[j], outputs,
                                                                            upstream.data(), walk, emissionGradient.data(), step))
                        continue;
                    for (int o = 0; o < outputs; ++o)
                        gradients.emission[g * outputs + o] += emissionGradient[o];
                    if (!step.moves)
                        continue;
                    gradients.opacity[g] += step.opacity;
                    for (int k = 0; k < 3; ++k)
                        gradients.conic[g * 3 + k] += step.conic[k];
                    gradients.centre[g * 2] += step.centre[0];
                    gradients.centre[g * 2 + 1] += step.centre[1];
                }
            }
    });
}

// Chains (u, v, conic) gradients through the projection, evaluated once on duals per Gaussian.
void projectionBackward(const GaussianField& field, const ReceiverFrame<double>& frame, const PixelMapping& mapping,
                        const RenderState& state, const CompositeGradients& splat, GaussianField& gradients)
{
    const std::size_t n = field.count();
    parallelFor(n, parallelWorkers(n / 512), [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t g = begin; g < end; ++g) {
            if (state.radius[g] == 0)
                continue;
            projectionBackwardOne<double>(&field.means[g * 3], &field.logScales[g * 3], &field.rotations[g * 4], frame, mapping,
                                          &splat.centre[g * 2], &splat.conic[g * 3], splat.opacity[g], static_cast<double>(state.opacity[g]),
                                          rowsOf(gradients, g));
        }
    });
}

} // namespace

std::vector<double> channelGradients(const RenderResult& result, const std::vector<float>& spectrumGradient, int frequencies,
                                     SpectrumQuantity quantity)
{
    std::vector<double> gradient;
    channelGradientsInto(result, spectrumGradient, frequencies, quantity, gradient);
    return gradient;
}

void channelGradientsInto(const RenderResult& result, const std::vector<float>& spectrumGradient, int frequencies, SpectrumQuantity quantity,
                          std::vector<double>& gradient)
{
    const std::size_t pixels = result.channels.size() / (2 * static_cast<std::size_t>(frequencies));
    gradient.assign(2 * frequencies * pixels, 0.0); // the real part's leaves the imaginary channels at 0
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
}

CompositeGradients compositeBackwardCpu(const RenderSettings& settings, int outputs, const RenderState& state,
                                        const std::vector<double>& channelGradient)
{
    std::vector<CompositeGradients> perWorker;
    compositeBackwardCpuInto(settings, outputs, state, channelGradient, perWorker);
    return std::move(perWorker[0]);
}

const CompositeGradients& compositeBackwardCpuInto(const RenderSettings& settings, int outputs, const RenderState& state,
                                                   const std::vector<double>& channelGradient, std::vector<CompositeGradients>& perWorker)
{
    if (outputs > kMaxBackwardOutputs)
        throw ArgumentError("training composites up to " + std::to_string(kMaxBackwardOutputs / 2)
                            + " maps per step (frequencies × spectra in the batch); this step has " + std::to_string(outputs / 2));
    const std::size_t tiles = state.bins.tileBegin.size(), count = state.opacity.size();
    perWorker.resize(static_cast<std::size_t>(parallelWorkers(tiles)), CompositeGradients(0, 0));
    for (CompositeGradients& partial : perWorker)
        partial.zero(count, outputs);
    if (settings.scalarComposite)
        compositeBackward(settings, outputs, state, channelGradient, perWorker);
    else
        compositeBackwardLanes(settings, outputs, state, channelGradient, perWorker);
    for (std::size_t worker = 1; worker < perWorker.size(); ++worker)
        addInto(perWorker[0], perWorker[worker]);
    return perWorker[0];
}

GaussianField backwardFromComposite(const GaussianField& field, const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                                    const RenderState& state, const CompositeGradients& composite, std::vector<float>* centreGradientNorms)
{
    GaussianField gradients;
    backwardFromCompositeInto(field, receiver, movingEnds, settings, state, composite, centreGradientNorms, gradients);
    return gradients;
}

void backwardFromCompositeInto(const GaussianField& field, const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                               const RenderState& state, const CompositeGradients& composite, std::vector<float>* centreGradientNorms,
                               GaussianField& gradients)
{
    if (centreGradientNorms) {
        centreGradientNorms->resize(field.count());
        for (std::size_t g = 0; g < field.count(); ++g)
            (*centreGradientNorms)[g] = static_cast<float>(std::hypot(composite.centre[g * 2], composite.centre[g * 2 + 1]));
    }
    field.zerosLikeInto(gradients);
    projectionBackward(field, receiverFrame(receiver), settings.mapping, state, composite, gradients);
    emissionsBackward(field, movingEnds, state.emission, composite.emission, gradients);
}

GaussianField backwardCpu(const GaussianField& field, const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                          const RenderResult& result, const std::vector<float>& spectrumGradient, std::vector<float>* centreGradientNorms)
{
    const int positions = static_cast<int>(movingEnds.size());
    const CompositeGradients composite =
        compositeBackwardCpu(settings, positions * field.outputs(), result.state,
                             channelGradients(result, spectrumGradient, positions * field.frequencies, settings.quantity));
    return backwardFromComposite(field, receiver, movingEnds, settings, result.state, composite, centreGradientNorms);
}

} // namespace ls::rf
