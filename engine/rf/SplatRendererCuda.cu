#include "Compositing.h"
#include "GaussianBackward.h"
#include "SplatRendererCuda.h"

#include "engine/core/Error.h"
#include "engine/core/cuda/DeviceBuffer.h"
#include "engine/core/cuda/GpuStageTimer.h"

#include <cub/cub.cuh>

namespace ls::rf {

using cuda::DeviceBuffer;

namespace {

constexpr int kThreads = 256;

struct FieldView {
    int count, hidden, outputs;
    EmissionForm form;
    const float *means, *logScales, *rotations, *opacityLogits, *w1, *b1, *w2, *b2;
    float3 inputCentre, inputScale;
};

// The positions of the moving end a render composites together (by value: a kernel argument).
struct MovingEndsView {
    int count;
    float3 at[kCudaMaxOutputs / 2];
};

__device__ void normalisedInput(const FieldView& field, float3 movingEnd, float input[3])
{
    const float position[3] = {movingEnd.x, movingEnd.y, movingEnd.z};
    const float centre[3] = {field.inputCentre.x, field.inputCentre.y, field.inputCentre.z};
    const float scale[3] = {field.inputScale.x, field.inputScale.y, field.inputScale.z};
    normaliseMovingEnd(position, centre, scale, input);
}

__global__ void projectKernel(FieldView field, ReceiverFrame<float> frame, PixelMapping mapping, MovingEndsView movingEnds, bool coverWholeMap,
                              float* u, float* v, float* range, float* opacity, float* conic, int* radius, unsigned* tilesTouched,
                              float* emission)
{
    const int g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= field.count)
        return;
    const float* mean = field.means + g * 3;
    // Emission MLP of this Gaussian (GaussianField.h) for each moving end: emission [N, B, 2F].
    for (int b = 0; b < movingEnds.count; ++b) {
        const float3 movingEnd = movingEnds.at[b];
        float input[3];
        normalisedInput(field, movingEnd, input);
        const float end[3] = {movingEnd.x, movingEnd.y, movingEnd.z};
        const long row = g;
        emissionOne<kCudaMaxHidden>(field.form, field.w1 + row * field.hidden * 3, field.b1 + row * field.hidden,
                                    field.w2 + row * field.outputs * field.hidden, field.b2 + row * field.outputs, field.hidden, field.outputs,
                                    input, mean, end, emission + (row * movingEnds.count + b) * field.outputs);
    }

    radius[g] = 0;
    tilesTouched[g] = 0;
    SplatGeometry<float> geometry{};
    if (!projectGaussian(mean, field.logScales + g * 3, field.rotations + g * 4, frame, mapping, geometry))
        return;
    u[g] = geometry.u;
    v[g] = geometry.v;
    range[g] = geometry.range;
    conic[g * 3] = geometry.conicA;
    conic[g * 3 + 1] = geometry.conicB;
    conic[g * 3 + 2] = geometry.conicC;
    opacity[g] = opacityFromLogit(field.opacityLogits[g]);
    const int r = cappedSplatRadius(splatRadius(geometry.covA, geometry.covB, geometry.covC), mapping.width, mapping.height, coverWholeMap);
    TileFootprint footprint;
    const int tiles = tileFootprint(geometry.u, geometry.v, r, mapping, footprint);
    radius[g] = tiles > 0 ? r : 0;
    tilesTouched[g] = tiles;
}

__global__ void duplicateKernel(int count, PixelMapping mapping, const float* u, const float* v, const int* radius, const float* range,
                                const unsigned* offsets, std::uint64_t* keys, std::uint32_t* ids)
{
    const int g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= count || radius[g] == 0)
        return;
    TileFootprint footprint;
    tileFootprint(u[g], v[g], radius[g], mapping, footprint);
    const int across = tilesAcross(mapping);
    unsigned slot = offsets[g];
    for (int row = footprint.rowBegin; row < footprint.rowEnd; ++row)
        for (int run = 0; run < footprint.runs; ++run)
            for (int column = footprint.columnBegin[run]; column < footprint.columnEnd[run]; ++column) {
                keys[slot] = tileKey(row * across + column, range[g]);
                ids[slot] = static_cast<std::uint32_t>(g);
                ++slot;
            }
}

__global__ void tileRangesKernel(unsigned entries, const std::uint64_t* keys, std::uint32_t* tileBegin, std::uint32_t* tileEnd)
{
    const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= entries)
        return;
    const unsigned tile = static_cast<unsigned>(keys[i] >> 32);
    if (i == 0 || static_cast<unsigned>(keys[i - 1] >> 32) != tile)
        tileBegin[tile] = i;
    if (i == entries - 1 || static_cast<unsigned>(keys[i + 1] >> 32) != tile)
        tileEnd[tile] = i + 1;
}

// One block per tile, one thread per pixel; the tile's splats pass through shared memory in
// batches of kTileSize² so every thread reads each splat once from there.
__global__ void compositeKernel(PixelMapping mapping, int outputs, float alphaThreshold, const std::uint32_t* tileBegin, const std::uint32_t* tileEnd,
                                const std::uint32_t* ids, const float* u, const float* v, const float* conic, const float* opacity,
                                const float* emission, float* channels, float* finalTransmittance, std::uint32_t* contributors)
{
    constexpr int kBatch = kTileSize * kTileSize;
    __shared__ float sharedU[kBatch], sharedV[kBatch], sharedConic[kBatch * 3], sharedOpacity[kBatch], sharedMinPower[kBatch];
    __shared__ std::uint32_t sharedId[kBatch];
    const int across = tilesAcross(mapping);
    const int tile = blockIdx.x;
    const int column = (tile % across) * kTileSize + threadIdx.x, row = (tile / across) * kTileSize + threadIdx.y;
    const bool inside = column < mapping.width && row < mapping.height;
    const int rank = threadIdx.y * kTileSize + threadIdx.x;
    const std::uint32_t begin = tileBegin[tile], end = tileEnd[tile];

    float accumulated[kCudaMaxOutputs];
    for (int o = 0; o < outputs; ++o)
        accumulated[o] = 0;
    float transmittance = 1;
    std::uint32_t counted = 0;
    bool done = !inside;
    for (std::uint32_t batch = begin; batch < end; batch += kBatch) {
        if (__syncthreads_and(done))
            break;
        const std::uint32_t entry = batch + rank;
        if (entry < end) {
            const std::uint32_t g = ids[entry];
            sharedId[rank] = g;
            sharedU[rank] = u[g];
            sharedV[rank] = v[g];
            sharedConic[rank * 3] = conic[g * 3];
            sharedConic[rank * 3 + 1] = conic[g * 3 + 1];
            sharedConic[rank * 3 + 2] = conic[g * 3 + 2];
            sharedOpacity[rank] = opacity[g];
            sharedMinPower[rank] = alphaCutPower(opacity[g], alphaThreshold);
        }
        __syncthreads();
        const int inBatch = static_cast<int>(end - batch < kBatch ? end - batch : kBatch);
        for (int j = 0; j < inBatch && !done; ++j) {
            const float dx = wrappedColumnOffset<float>(static_cast<float>(column), sharedU[j], mapping.width), dy = row - sharedV[j];
            const ForwardStep step = forwardThroughSplat<float>(dx, dy, sharedConic[j * 3], sharedConic[j * 3 + 1], sharedConic[j * 3 + 2],
                                                                sharedOpacity[j], sharedMinPower[j], alphaThreshold,
                                                                emission + static_cast<long>(sharedId[j]) * outputs, outputs, accumulated,
                                                                transmittance);
            if (step == ForwardStep::Saturated) {
                done = true;
                break;
            }
            if (step == ForwardStep::Composited)
                counted = batch - begin + j + 1;
        }
    }
    if (!inside)
        return;
    const long pixels = static_cast<long>(mapping.width) * mapping.height, pixel = static_cast<long>(row) * mapping.width + column;
    for (int o = 0; o < outputs; ++o)
        channels[o * pixels + pixel] = accumulated[o];
    finalTransmittance[pixel] = transmittance;
    contributors[pixel] = counted;
}

// The composite backward: one thread per pixel walks the splats its forward pass composited, back
// to front, with the per-splat step the CPU walk uses (Compositing.h), and adds each splat's share
// to its gradients atomically (many pixels touch one splat).
__global__ void compositeBackwardKernel(PixelMapping mapping, int outputs, float alphaThreshold, const std::uint32_t* tileBegin,
                                        const std::uint32_t* contributors, const float* finalTransmittance, const std::uint32_t* ids,
                                        const float* u, const float* v, const float* conic, const float* opacity, const float* emission,
                                        const float* channelGradient, float* centreGradient, float* conicGradient, float* opacityGradient,
                                        float* emissionGradient)
{
    const int across = tilesAcross(mapping);
    const int tile = blockIdx.x;
    const int column = (tile % across) * kTileSize + threadIdx.x, row = (tile / across) * kTileSize + threadIdx.y;
    if (column >= mapping.width || row >= mapping.height)
        return;
    const long pixels = static_cast<long>(mapping.width) * mapping.height, pixel = static_cast<long>(row) * mapping.width + column;
    float upstream[kCudaMaxOutputs], emissionStep[kCudaMaxOutputs];
    for (int o = 0; o < outputs; ++o)
        upstream[o] = channelGradient[o * pixels + pixel];
    BackwardWalk<float, kCudaMaxOutputs> walk;
    walk.transmittance = finalTransmittance[pixel];
    walk.lastAlpha = 0;
    for (int o = 0; o < outputs; ++o)
        walk.behind[o] = walk.lastEmission[o] = 0;
    const std::uint32_t first = tileBegin[tile];
    for (std::uint32_t entry = first + contributors[pixel]; entry-- > first;) {
        const std::uint32_t g = ids[entry];
        const float dx = wrappedColumnOffset<float>(static_cast<float>(column), u[g], mapping.width), dy = row - v[g];
        const float minPower = alphaCutPower(opacity[g], alphaThreshold);
        SplatStepGradient<float> step;
        if (!backwardThroughSplat<float, kCudaMaxOutputs>(dx, dy, conic[g * 3], conic[g * 3 + 1], conic[g * 3 + 2], opacity[g], minPower, alphaThreshold,
                                                          emission + static_cast<long>(g) * outputs, outputs, upstream, walk, emissionStep, step))
            continue;
        for (int o = 0; o < outputs; ++o)
            atomicAdd(&emissionGradient[static_cast<long>(g) * outputs + o], emissionStep[o]);
        if (!step.moves)
            continue;
        atomicAdd(&opacityGradient[g], step.opacity);
        for (int k = 0; k < 3; ++k)
            atomicAdd(&conicGradient[g * 3 + k], step.conic[k]);
        atomicAdd(&centreGradient[g * 2], step.centre[0]);
        atomicAdd(&centreGradient[g * 2 + 1], step.centre[1]);
    }
}

// Where the field backward writes: a gradient field's arrays on the device (GaussianField's layout).
struct GradientView {
    float *means, *logScales, *rotations, *opacityLogits, *w1, *b1, *w2, *b2;
};

// After the composite backward, a thread per Gaussian: its splat's gradients through the
// projection and its emission gradients through its MLP, with the CPU's per-Gaussian steps
// (GaussianBackward.h). Each thread writes only its own rows: no atomics. Also ‖dL/d(u, v)‖, what
// densification watches, when `centreNorm` is given.
__global__ void fieldBackwardKernel(FieldView field, ReceiverFrame<float> frame, PixelMapping mapping, MovingEndsView movingEnds, const int* radius,
                                    const float* opacity, const float* emission, const float* centreGradient, const float* conicGradient,
                                    const float* opacityGradient, const float* emissionGradient, GradientView out, float* centreNorm)
{
    const int g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= field.count)
        return;
    const long row = g;
    const GaussianGradientRows rows = gradientRows(static_cast<std::size_t>(g), field.hidden, field.outputs, out.means, out.logScales, out.rotations,
                                                   out.opacityLogits, out.w1, out.b1, out.w2, out.b2);
    if (radius[g] != 0)
        projectionBackwardOne<float>(field.means + row * 3, field.logScales + row * 3, field.rotations + row * 4, frame, mapping,
                                     centreGradient + row * 2, conicGradient + row * 3, opacityGradient[g], opacity[g], rows);
    for (int b = 0; b < movingEnds.count; ++b) {
        const float3 movingEnd = movingEnds.at[b];
        float input[3];
        normalisedInput(field, movingEnd, input);
        const float end[3] = {movingEnd.x, movingEnd.y, movingEnd.z};
        const long emissionRow = (row * movingEnds.count + b) * field.outputs; // emission [N, B, 2F]
        emissionBackwardOne<float, kCudaMaxHidden>(field.form, field.w1 + row * field.hidden * 3, field.b1 + row * field.hidden,
                                                   field.w2 + row * field.outputs * field.hidden, field.hidden, field.outputs, input,
                                                   field.means + row * 3, end, emission + emissionRow, emissionGradient + emissionRow, rows);
    }
    if (centreNorm)
        centreNorm[g] = hypotf(centreGradient[row * 2], centreGradient[row * 2 + 1]);
}

int blocksFor(long count) { return static_cast<int>((count + kThreads - 1) / kThreads); }

} // namespace

// What the last render leaves on the device for its backward pass.
struct LastRender {
    int count = 0, tiles = 0;
    int channels = 0; // per Gaussian: B·2F
    RenderSettings settings;
    ReceiverFrame<float> frame{};
    MovingEndsView movingEnds{};
    DeviceBuffer<float> u, v, conic, opacity, emission, transmittance;
    DeviceBuffer<int> radius;
    DeviceBuffer<std::uint32_t> sortedIds, tileBegin, contributors;
};

// The composite backward's per-splat gradients, on the device.
struct SplatGradientsOnDevice {
    DeviceBuffer<float> centre, conic, opacity, emission;
};

struct SplatRendererCuda::Buffers {
    GaussianField host; // the host copy: shapes and the input normalisation the kernels need
    DeviceBuffer<float> means, logScales, rotations, opacityLogits, w1, b1, w2, b2;
    std::unique_ptr<LastRender> last; // null until a render of this upload

    FieldView view() const
    {
        return {static_cast<int>(host.count()), host.hidden, host.outputs(), host.emissionForm, means.data(), logScales.data(), rotations.data(),
                opacityLogits.data(), w1.data(), b1.data(), w2.data(), b2.data(),
                make_float3(host.inputCentre[0], host.inputCentre[1], host.inputCentre[2]),
                make_float3(host.inputScale[0], host.inputScale[1], host.inputScale[2])};
    }
    // The composite backward of the last render, left on the device; checks the gradient's size.
    SplatGradientsOnDevice compositeBackward(const std::vector<double>& channelGradient, cuda::GpuStageTimer& timer);
};

SplatRendererCuda::SplatRendererCuda(int deviceIndex) : device_(deviceIndex) { LS_CUDA_CHECK(cudaSetDevice(device_)); }

SplatRendererCuda::~SplatRendererCuda() = default;

void SplatRendererCuda::upload(const GaussianField& field)
{
    if (field.hidden > kCudaMaxHidden || field.outputs() > kCudaMaxOutputs)
        throw ArgumentError("the CUDA renderer supports emission MLPs up to " + std::to_string(kCudaMaxHidden) + " wide and "
                            + std::to_string(kCudaMaxOutputs / 2) + " frequencies; this field has " + std::to_string(field.hidden) + " and "
                            + std::to_string(field.frequencies));
    LS_CUDA_CHECK(cudaSetDevice(device_));
    auto buffers = std::make_unique<Buffers>();
    buffers->host = field;
    auto put = [](DeviceBuffer<float>& buffer, const std::vector<float>& values) {
        buffer = DeviceBuffer<float>(values.size());
        buffer.upload(values);
    };
    put(buffers->means, field.means);
    put(buffers->logScales, field.logScales);
    put(buffers->rotations, field.rotations);
    put(buffers->opacityLogits, field.opacityLogits);
    put(buffers->w1, field.mlpW1);
    put(buffers->b1, field.mlpB1);
    put(buffers->w2, field.mlpW2);
    put(buffers->b2, field.mlpB2);
    buffers_ = std::move(buffers);
}

RenderResult SplatRendererCuda::render(const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                                       LatencyRecorder* recorder)
{
    if (!buffers_)
        throw ArgumentError("SplatRendererCuda::render: upload a field first");
    const GaussianField& field = buffers_->host;
    const int positions = static_cast<int>(movingEnds.size());
    if (positions < 1 || positions * field.outputs() > kCudaMaxOutputs)
        throw ArgumentError("the CUDA renderer composites up to " + std::to_string(kCudaMaxOutputs / 2) + " maps per pass (frequencies × positions); "
                            + std::to_string(positions) + " positions of a " + std::to_string(field.frequencies) + "-frequency field asked");
    LS_CUDA_CHECK(cudaSetDevice(device_));
    MovingEndsView ends{positions, {}};
    for (int b = 0; b < positions; ++b)
        ends.at[b] = make_float3(movingEnds[b][0], movingEnds[b][1], movingEnds[b][2]);
    const int n = static_cast<int>(field.count()), outputs = positions * field.outputs(); // channels per Gaussian
    const PixelMapping mapping = settings.mapping;
    const long pixels = static_cast<long>(mapping.width) * mapping.height;
    const int tiles = tilesAcross(mapping) * tilesDown(mapping);
    const ReceiverFrame<double> frameDouble = receiverFrame(receiver);
    ReceiverFrame<float> frame{};
    for (int i = 0; i < 3; ++i) {
        frame.position[i] = static_cast<float>(frameDouble.position[i]);
        for (int j = 0; j < 3; ++j)
            frame.worldToLocal[i][j] = static_cast<float>(frameDouble.worldToLocal[i][j]);
    }
    const FieldView view = buffers_->view();

    DeviceBuffer<float> u(n), v(n), range(n), opacity(n), conic(n * 3), emission(static_cast<std::size_t>(n) * outputs);
    DeviceBuffer<int> radius(n);
    DeviceBuffer<unsigned> touched(n), offsets(n);
    cuda::GpuStageTimer timer;
    const double startUs = recorder ? recorder->nowUs() : 0;

    timer.begin("project");
    projectKernel<<<blocksFor(n), kThreads>>>(view, frame, mapping, ends, settings.splatsCoverWholeMap,
                                               u.data(), v.data(), range.data(), opacity.data(), conic.data(), radius.data(), touched.data(),
                                               emission.data());
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();

    timer.begin("bin");
    std::size_t scratchBytes = 0;
    LS_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(nullptr, scratchBytes, touched.data(), offsets.data(), n));
    DeviceBuffer<unsigned char> scanScratch(scratchBytes);
    LS_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(scanScratch.data(), scratchBytes, touched.data(), offsets.data(), n));
    unsigned lastOffset = 0, lastCount = 0;
    if (n > 0) {
        LS_CUDA_CHECK(cudaMemcpy(&lastOffset, offsets.data() + n - 1, sizeof lastOffset, cudaMemcpyDeviceToHost));
        LS_CUDA_CHECK(cudaMemcpy(&lastCount, touched.data() + n - 1, sizeof lastCount, cudaMemcpyDeviceToHost));
    }
    const unsigned entries = lastOffset + lastCount;
    DeviceBuffer<std::uint64_t> keys(entries), sortedKeys(entries);
    DeviceBuffer<std::uint32_t> ids(entries), sortedIds(entries);
    if (entries > 0) {
        duplicateKernel<<<blocksFor(n), kThreads>>>(n, mapping, u.data(), v.data(), radius.data(), range.data(), offsets.data(), keys.data(), ids.data());
        LS_CUDA_CHECK(cudaGetLastError());
    }
    timer.end();

    timer.begin("sort");
    int tileBits = 1;
    while ((1 << tileBits) < tiles + 1)
        ++tileBits;
    if (entries > 0) {
        scratchBytes = 0;
        LS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, scratchBytes, keys.data(), sortedKeys.data(), ids.data(), sortedIds.data(),
                                                      static_cast<int>(entries), 0, 32 + tileBits));
        DeviceBuffer<unsigned char> sortScratch(scratchBytes);
        LS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(sortScratch.data(), scratchBytes, keys.data(), sortedKeys.data(), ids.data(), sortedIds.data(),
                                                      static_cast<int>(entries), 0, 32 + tileBits));
    }
    DeviceBuffer<std::uint32_t> tileBegin(tiles), tileEnd(tiles);
    LS_CUDA_CHECK(cudaMemset(tileBegin.data(), 0, tiles * sizeof(std::uint32_t)));
    LS_CUDA_CHECK(cudaMemset(tileEnd.data(), 0, tiles * sizeof(std::uint32_t)));
    if (entries > 0) {
        tileRangesKernel<<<blocksFor(entries), kThreads>>>(entries, sortedKeys.data(), tileBegin.data(), tileEnd.data());
        LS_CUDA_CHECK(cudaGetLastError());
    }
    timer.end();

    timer.begin("composite");
    DeviceBuffer<float> channels(outputs * pixels), transmittance(pixels);
    DeviceBuffer<std::uint32_t> contributors(pixels);
    compositeKernel<<<tiles, dim3(kTileSize, kTileSize)>>>(mapping, outputs, settings.alphaThreshold, tileBegin.data(), tileEnd.data(), sortedIds.data(),
                                                           u.data(), v.data(), conic.data(), opacity.data(), emission.data(), channels.data(),
                                                           transmittance.data(), contributors.data());
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();

    RenderResult result;
    result.channels.resize(outputs * pixels);
    channels.download(result.channels);
    RenderState& state = result.state;
    state.finalTransmittance.resize(pixels);
    transmittance.download(state.finalTransmittance);
    state.contributors.resize(pixels);
    contributors.download(state.contributors);
    state.u.resize(n), state.v.resize(n), state.range.resize(n), state.opacity.resize(n), state.conic.resize(n * 3), state.radius.resize(n);
    state.emission.resize(static_cast<std::size_t>(n) * outputs);
    u.download(state.u), v.download(state.v), range.download(state.range), opacity.download(state.opacity), conic.download(state.conic);
    radius.download(state.radius), emission.download(state.emission);
    state.bins.keys.resize(entries);
    state.bins.gaussianIds.resize(entries);
    state.bins.tileBegin.resize(tiles);
    state.bins.tileEnd.resize(tiles);
    sortedKeys.download(state.bins.keys), sortedIds.download(state.bins.gaussianIds);
    tileBegin.download(state.bins.tileBegin), tileEnd.download(state.bins.tileEnd);
    LS_CUDA_CHECK(cudaDeviceSynchronize());
    if (recorder)
        timer.commit(*recorder, startUs);
    result.spectrum = spectrumFromChannels(result.channels, positions * field.frequencies, static_cast<std::size_t>(pixels), settings.quantity);

    auto last = std::make_unique<LastRender>();
    last->count = n;
    last->channels = outputs;
    last->tiles = tiles;
    last->settings = settings;
    last->u = std::move(u), last->v = std::move(v), last->conic = std::move(conic), last->opacity = std::move(opacity);
    last->emission = std::move(emission), last->transmittance = std::move(transmittance);
    last->sortedIds = std::move(sortedIds), last->tileBegin = std::move(tileBegin), last->contributors = std::move(contributors);
    last->radius = std::move(radius);
    last->frame = frame;
    last->movingEnds = ends;
    buffers_->last = std::move(last);
    return result;
}

SplatGradientsOnDevice SplatRendererCuda::Buffers::compositeBackward(const std::vector<double>& channelGradient, cuda::GpuStageTimer& timer)
{
    if (!last)
        throw ArgumentError("SplatRendererCuda: render the uploaded field before its backward pass");
    const PixelMapping mapping = last->settings.mapping;
    const long pixels = static_cast<long>(mapping.width) * mapping.height;
    if (channelGradient.size() != static_cast<std::size_t>(last->channels * pixels))
        throw ArgumentError("SplatRendererCuda: " + std::to_string(channelGradient.size()) + " channel gradients for "
                            + std::to_string(last->channels * pixels) + " channel values");
    timer.begin("composite backward");
    const std::vector<float> upstreamHost(channelGradient.begin(), channelGradient.end());
    DeviceBuffer<float> upstream(upstreamHost.size());
    upstream.upload(upstreamHost);
    const std::size_t n = static_cast<std::size_t>(last->count);
    SplatGradientsOnDevice gradients{DeviceBuffer<float>(n * 2), DeviceBuffer<float>(n * 3), DeviceBuffer<float>(n),
                                     DeviceBuffer<float>(n * last->channels)};
    for (DeviceBuffer<float>* zeroed : {&gradients.centre, &gradients.conic, &gradients.opacity, &gradients.emission})
        LS_CUDA_CHECK(cudaMemset(zeroed->data(), 0, zeroed->size() * sizeof(float)));
    compositeBackwardKernel<<<last->tiles, dim3(kTileSize, kTileSize)>>>(
        mapping, last->channels, last->settings.alphaThreshold, last->tileBegin.data(), last->contributors.data(), last->transmittance.data(),
        last->sortedIds.data(), last->u.data(), last->v.data(), last->conic.data(), last->opacity.data(), last->emission.data(), upstream.data(),
        gradients.centre.data(), gradients.conic.data(), gradients.opacity.data(), gradients.emission.data());
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();
    return gradients;
}

namespace {
void downloadInto(const DeviceBuffer<float>& device, std::vector<float>& host)
{
    host.resize(device.size());
    device.download(host);
}
} // namespace

CompositeGradients SplatRendererCuda::backwardComposite(const std::vector<double>& channelGradient, LatencyRecorder* recorder)
{
    if (!buffers_)
        throw ArgumentError("SplatRendererCuda::backwardComposite: upload and render a field first");
    LS_CUDA_CHECK(cudaSetDevice(device_));
    cuda::GpuStageTimer timer;
    const double startUs = recorder ? recorder->nowUs() : 0;
    const SplatGradientsOnDevice onDevice = buffers_->compositeBackward(channelGradient, timer);
    CompositeGradients gradients(static_cast<std::size_t>(buffers_->last->count), buffers_->last->channels);
    const std::pair<const DeviceBuffer<float>*, std::vector<double>*> parts[] = {
        {&onDevice.centre, &gradients.centre}, {&onDevice.conic, &gradients.conic}, {&onDevice.opacity, &gradients.opacity},
        {&onDevice.emission, &gradients.emission}};
    for (const auto& [device, host] : parts) {
        std::vector<float> values;
        downloadInto(*device, values);
        LS_CUDA_CHECK(cudaDeviceSynchronize());
        host->assign(values.begin(), values.end());
    }
    if (recorder)
        timer.commit(*recorder, startUs);
    return gradients;
}

GaussianField SplatRendererCuda::backwardField(const std::vector<double>& channelGradient, std::vector<float>* centreGradientNorms,
                                               LatencyRecorder* recorder)
{
    if (!buffers_)
        throw ArgumentError("SplatRendererCuda::backwardField: upload and render a field first");
    LS_CUDA_CHECK(cudaSetDevice(device_));
    cuda::GpuStageTimer timer;
    const double startUs = recorder ? recorder->nowUs() : 0;
    const SplatGradientsOnDevice splat = buffers_->compositeBackward(channelGradient, timer);
    const LastRender& last = *buffers_->last;
    GaussianField gradients = buffers_->host.zerosLike();
    timer.begin("field backward");
    auto arrays = gradients.parameterArrays(); // means, log-scales, rotations, opacity logits, w1, b1, w2, b2
    std::vector<DeviceBuffer<float>> onDevice;
    for (const auto& [name, array] : arrays) {
        onDevice.emplace_back(array->size());
        LS_CUDA_CHECK(cudaMemset(onDevice.back().data(), 0, array->size() * sizeof(float)));
    }
    const GradientView out{onDevice[0].data(), onDevice[1].data(), onDevice[2].data(), onDevice[3].data(),
                           onDevice[4].data(), onDevice[5].data(), onDevice[6].data(), onDevice[7].data()};
    DeviceBuffer<float> norms(centreGradientNorms ? static_cast<std::size_t>(last.count) : 0);
    fieldBackwardKernel<<<blocksFor(last.count), kThreads>>>(buffers_->view(), last.frame, last.settings.mapping, last.movingEnds, last.radius.data(),
                                                              last.opacity.data(), last.emission.data(), splat.centre.data(), splat.conic.data(),
                                                              splat.opacity.data(), splat.emission.data(), out,
                                                              centreGradientNorms ? norms.data() : nullptr);
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();
    for (std::size_t i = 0; i < arrays.size(); ++i)
        downloadInto(onDevice[i], *arrays[i].second);
    if (centreGradientNorms)
        downloadInto(norms, *centreGradientNorms);
    LS_CUDA_CHECK(cudaDeviceSynchronize());
    if (recorder)
        timer.commit(*recorder, startUs);
    return gradients;
}

} // namespace ls::rf
