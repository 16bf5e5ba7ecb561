#include "CompositeLanes.h"
#include "Compositing.h"
#include "OptionalStage.h"
#include "RenderScratch.h"
#include "SplatRenderer.h"
#include "TileSplats.h"

#include "engine/core/ParallelFor.h"

#include <cmath>

namespace ls::rf {

ReceiverFrame<double> receiverFrame(const ReceiverPose& pose)
{
    ReceiverFrame<double> frame{};
    double localToWorld[3][3];
    rotationMatrix(pose.orientation.data(), localToWorld);
    for (int i = 0; i < 3; ++i) {
        frame.position[i] = pose.position[i];
        for (int j = 0; j < 3; ++j)
            frame.worldToLocal[i][j] = localToWorld[j][i]; // rotation: inverse = transpose
    }
    return frame;
}

void projectSplatsCpu(const GaussianField& field, const ReceiverFrame<double>& frame, const RenderSettings& settings, RenderState& state)
{
    const PixelMapping& mapping = settings.mapping;
    const std::size_t n = field.count();
    state.u.assign(n, 0);
    state.v.assign(n, 0);
    state.range.assign(n, 0);
    state.opacity.assign(n, 0);
    state.conic.assign(n * 3, 0);
    state.radius.assign(n, 0);
    state.extent.assign(n * 2, 0);
    parallelFor(n, parallelWorkers(n / 1024), [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t g = begin; g < end; ++g) {
            double mean[3], logScale[3], quaternion[4];
            for (int i = 0; i < 3; ++i) {
                mean[i] = field.means[g * 3 + i];
                logScale[i] = field.logScales[g * 3 + i];
            }
            for (int i = 0; i < 4; ++i)
                quaternion[i] = field.rotations[g * 4 + i];
            SplatGeometry<double> geometry{};
            if (!projectGaussian(mean, logScale, quaternion, frame, mapping, geometry))
                continue;
            state.u[g] = static_cast<float>(geometry.u);
            state.v[g] = static_cast<float>(geometry.v);
            state.range[g] = static_cast<float>(geometry.range);
            state.conic[g * 3] = static_cast<float>(geometry.conicA);
            state.conic[g * 3 + 1] = static_cast<float>(geometry.conicB);
            state.conic[g * 3 + 2] = static_cast<float>(geometry.conicC);
            state.opacity[g] = static_cast<float>(opacityFromLogit<double>(field.opacityLogits[g]));
            state.radius[g] = cappedSplatRadius(splatRadius(geometry.covA, geometry.covB, geometry.covC), mapping.width, mapping.height,
                                                settings.splatsCoverWholeMap);
            // From the float opacity the composite tests against, so the box holds every pixel it keeps.
            const CutExtent extent = cutExtent<double>(geometry.covA, geometry.covC, state.opacity[g], settings.alphaThreshold, state.radius[g],
                                                       settings.splatsCoverWholeMap || settings.binBy3SigmaRadius);
            state.extent[g * 2] = extent.columns;
            state.extent[g * 2 + 1] = extent.rows;
        }
    });
}

namespace {

void composite(const RenderSettings& settings, int outputs, RenderState& state, std::vector<float>& channels)
{
    const PixelMapping& mapping = settings.mapping;
    const int width = mapping.width, height = mapping.height, across = tilesAcross(mapping);
    const std::size_t tiles = state.bins.tileBegin.size(), pixels = static_cast<std::size_t>(width) * height;
    channels.assign(outputs * pixels, 0.0f);
    state.finalTransmittance.assign(pixels, 1.0f);
    state.contributors.assign(pixels, 0);
    const int workers = parallelWorkers(tiles);
    RenderScratch& scratch = state.scratch.get();
    std::vector<WalkScratch>& perWorker = scratch.forWorkers(static_cast<std::size_t>(workers));
    for (int worker = 0; worker < workers; ++worker)
        perWorker[worker].accumulated.resize(outputs); // float: what the GPU path computes in, and twice as fast
    splatCutsInto(state, settings.alphaThreshold, scratch.cuts); // both walks cut by its minPower
    const SplatCuts& cuts = scratch.cuts;
    parallelForStrided(tiles, workers, [&](std::size_t tile, int worker) {
        WalkScratch& mine = perWorker[worker];
        std::vector<float>& accumulated = mine.accumulated;
        TileSplats<float>& splats = mine.splats;
        const std::uint32_t begin = state.bins.tileBegin[tile], end = state.bins.tileEnd[tile];
        splats.stage(state, cuts.minPower, begin, end, outputs);
        const int count = static_cast<int>(end - begin);
        const int tileRow = static_cast<int>(tile) / across, tileColumn = static_cast<int>(tile) % across;
        if (!settings.scalarComposite) {
            splats.stageReach(cuts.reach);
            mine.weightedSplats.resize(count + 1);
            ForwardLaneTile lanesTile;
            describeTile(lanesTile, settings, tile, splats, outputs, mine.rowList);
            lanesTile.weightedSplats = mine.weightedSplats.data();
            lanesTile.channels = channels.data();
            lanesTile.finalTransmittance = state.finalTransmittance.data();
            lanesTile.contributors = state.contributors.data();
            compositeTileForwardLanes(lanesTile, mine.weights.zeroed(count + 1));
            return;
        }
        for (int row = tileRow * kTileSize; row < std::min(height, (tileRow + 1) * kTileSize); ++row)
            for (int column = tileColumn * kTileSize; column < std::min(width, (tileColumn + 1) * kTileSize); ++column) {
                std::fill(accumulated.begin(), accumulated.end(), 0.0f);
                float transmittance = 1.0f;
                std::uint32_t contributors = 0;
                for (int j = 0; j < count; ++j) {
                    const float dx = wrappedColumnOffset<float>(static_cast<float>(column), splats.u[j], width), dy = row - splats.v[j];
                    const ForwardStep step = forwardThroughSplat<float>(dx, dy, splats.a[j], splats.b[j], splats.c[j], splats.opacity[j],
                                                                        splats.minPower[j], settings.alphaThreshold, splats.emission[j], outputs,
                                                                        accumulated.data(), transmittance);
                    if (step == ForwardStep::Saturated)
                        break;
                    if (step == ForwardStep::Composited)
                        contributors = static_cast<std::uint32_t>(j + 1);
                }
                const std::size_t pixel = static_cast<std::size_t>(row) * width + column;
                for (int o = 0; o < outputs; ++o)
                    channels[o * pixels + pixel] = accumulated[o];
                state.finalTransmittance[pixel] = transmittance;
                state.contributors[pixel] = contributors;
            }
    });
}

} // namespace

std::vector<float> spectrumFromChannels(const std::vector<float>& channels, int frequencies, std::size_t pixels, SpectrumQuantity quantity)
{
    std::vector<float> spectrum;
    spectrumFromChannelsInto(channels, frequencies, pixels, quantity, spectrum);
    return spectrum;
}

void spectrumFromChannelsInto(const std::vector<float>& channels, int frequencies, std::size_t pixels, SpectrumQuantity quantity,
                              std::vector<float>& spectrum)
{
    spectrum.resize(frequencies * pixels); // every value is written below
    for (int f = 0; f < frequencies; ++f)
        for (std::size_t p = 0; p < pixels; ++p) {
            const float re = channels[(2 * f) * pixels + p], im = channels[(2 * f + 1) * pixels + p];
            spectrum[f * pixels + p] = quantity == SpectrumQuantity::Magnitude ? std::sqrt(re * re + im * im + kMagnitudeFloor) : re;
        }
}

RenderResult renderCpu(const GaussianField& field, const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                       LatencyRecorder* recorder)
{
    RenderResult result;
    renderCpuInto(field, receiver, movingEnds, settings, result, recorder);
    return result;
}

void renderCpuInto(const GaussianField& field, const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                   RenderResult& result, LatencyRecorder* recorder)
{
    const int positions = static_cast<int>(movingEnds.size());
    RenderState& state = result.state;
    {
        OptionalStage stage(recorder, "project");
        projectSplatsCpu(field, receiverFrame(receiver), settings, state);
        emissionsInto(field, movingEnds, state.emission);
    }
    binAndSortCpuInto(state.u, state.v, state.extent, state.range, settings.mapping, recorder, state.bins, state.scratch.get().binning);
    {
        OptionalStage stage(recorder, "composite");
        composite(settings, positions * field.outputs(), state, result.channels);
        const std::size_t pixels = static_cast<std::size_t>(settings.mapping.width) * settings.mapping.height;
        spectrumFromChannelsInto(result.channels, positions * field.frequencies, pixels, settings.quantity, result.spectrum);
    }
}

std::vector<std::complex<float>> channelEstimate(const std::vector<float>& channels, int frequencies, const PixelMapping& mapping)
{
    const std::size_t pixels = static_cast<std::size_t>(mapping.width) * mapping.height;
    std::vector<std::complex<float>> csi(frequencies);
    for (int f = 0; f < frequencies; ++f) {
        double re = 0, im = 0;
        for (std::size_t p = 0; p < pixels; ++p) {
            re += channels[(2 * f) * pixels + p];
            im += channels[(2 * f + 1) * pixels + p];
        }
        csi[f] = {static_cast<float>(re / pixels), static_cast<float>(im / pixels)};
    }
    return csi;
}

} // namespace ls::rf
