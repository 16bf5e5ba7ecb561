// The CUDA renderer's forward pass: project, bin, sort and composite a field's splats (the
// backward pass is SplatBackwardCuda.cu; what both use, SplatCudaShared.cuh).
#include "SplatCudaShared.cuh"

namespace ls::rf {

namespace {

__global__ void projectKernel(FieldView field, ReceiverFrame<float> frame, PixelMapping mapping, MovingEndsView movingEnds, bool coverWholeMap,
                              bool binByRadius, float alphaThreshold, float* u, float* v, float* range, float* opacity, float* conic, int* radius, int* extent,
                              unsigned* tilesTouched, float* emission)
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
    extent[g * 2] = extent[g * 2 + 1] = 0;
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
    const CutExtent cut = cutExtent<float>(geometry.covA, geometry.covC, opacity[g], alphaThreshold, r, coverWholeMap || binByRadius);
    TileFootprint footprint;
    const int tiles = tileFootprint(geometry.u, geometry.v, cut.columns, cut.rows, mapping, footprint);
    radius[g] = tiles > 0 ? r : 0;
    extent[g * 2] = cut.columns;
    extent[g * 2 + 1] = cut.rows;
    tilesTouched[g] = tiles;
}

__global__ void duplicateKernel(int count, PixelMapping mapping, const float* u, const float* v, const int* radius, const int* extent, const float* range,
                                const unsigned* offsets, std::uint64_t* keys, std::uint32_t* ids)
{
    const int g = blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= count || radius[g] == 0)
        return;
    TileFootprint footprint;
    tileFootprint(u[g], v[g], extent[g * 2], extent[g * 2 + 1], mapping, footprint);
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


} // namespace

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
    DeviceBuffer<int> radius(n), extent(n * 2);
    DeviceBuffer<unsigned> touched(n), offsets(n);
    cuda::GpuStageTimer timer;
    const double startUs = recorder ? recorder->nowUs() : 0;

    timer.begin("project");
    projectKernel<<<blocksFor(n), kThreads>>>(view, frame, mapping, ends, settings.splatsCoverWholeMap, settings.binBy3SigmaRadius, settings.alphaThreshold,
                                               u.data(), v.data(), range.data(), opacity.data(), conic.data(), radius.data(), extent.data(),
                                               touched.data(), emission.data());
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
        duplicateKernel<<<blocksFor(n), kThreads>>>(n, mapping, u.data(), v.data(), radius.data(), extent.data(), range.data(), offsets.data(),
                                                    keys.data(), ids.data());
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
    state.extent.resize(static_cast<std::size_t>(n) * 2);
    radius.download(state.radius), extent.download(state.extent), emission.download(state.emission);
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


} // namespace ls::rf
