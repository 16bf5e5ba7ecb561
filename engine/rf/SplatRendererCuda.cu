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
    if (!buffers_)
        buffers_ = std::make_unique<Buffers>();
    Buffers& buffers = *buffers_;
    buffers.last.reset(); // a backward pass needs a render of this upload
    buffers.host = field;
    // Training uploads every step: the arrays keep their allocations while the field keeps its
    // size (densification changes it now and then).
    auto put = [](DeviceBuffer<float>& buffer, const std::vector<float>& values) {
        if (buffer.size() != values.size())
            buffer = DeviceBuffer<float>(values.size());
        buffer.upload(values);
    };
    put(buffers.means, field.means);
    put(buffers.logScales, field.logScales);
    put(buffers.rotations, field.rotations);
    put(buffers.opacityLogits, field.opacityLogits);
    put(buffers.w1, field.mlpW1);
    put(buffers.b1, field.mlpB1);
    put(buffers.w2, field.mlpW2);
    put(buffers.b2, field.mlpB2);
}

namespace {

// The forward pass's arrays, carved from the renderer's forward workspace.
struct ForwardArrays {
    float *u, *v, *range, *opacity, *conic, *emission, *channels, *transmittance;
    int *radius, *extent;
    unsigned *touched, *offsets;
    std::uint32_t *tileBegin, *tileEnd, *contributors;
    unsigned char* scanScratch;
};

// The tile lists' arrays, carved from the entries workspace once the scan has counted them.
struct EntryArrays {
    std::uint64_t *keys, *sortedKeys;
    std::uint32_t *ids, *sortedIds;
    unsigned char* sortScratch;
};

int tileKeyBits(int tiles)
{
    int bits = 1;
    while ((1 << bits) < tiles + 1)
        ++bits;
    return bits;
}

} // namespace

RenderResult SplatRendererCuda::render(const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                                       LatencyRecorder* recorder, RenderDownload download)
{
    if (!buffers_)
        throw ArgumentError("SplatRendererCuda::render: upload a field first");
    Buffers& buffers = *buffers_;
    const GaussianField& field = buffers.host;
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
    const FieldView view = buffers.view();
    buffers.last.reset(); // its pieces are about to be re-carved

    std::size_t scanBytes = 0;
    LS_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(nullptr, scanBytes, static_cast<const unsigned*>(nullptr), static_cast<unsigned*>(nullptr), n));
    const ForwardArrays f = buffers.forward.carve([&](cuda::Carver& c) {
        ForwardArrays a{};
        a.u = c.take<float>(n), a.v = c.take<float>(n), a.range = c.take<float>(n), a.opacity = c.take<float>(n);
        a.conic = c.take<float>(static_cast<std::size_t>(n) * 3);
        a.emission = c.take<float>(static_cast<std::size_t>(n) * outputs);
        a.radius = c.take<int>(n), a.extent = c.take<int>(static_cast<std::size_t>(n) * 2);
        a.touched = c.take<unsigned>(n), a.offsets = c.take<unsigned>(n);
        a.tileBegin = c.take<std::uint32_t>(tiles), a.tileEnd = c.take<std::uint32_t>(tiles);
        a.channels = c.take<float>(static_cast<std::size_t>(outputs) * pixels), a.transmittance = c.take<float>(pixels);
        a.contributors = c.take<std::uint32_t>(pixels);
        a.scanScratch = c.take<unsigned char>(scanBytes);
        return a;
    });
    cuda::GpuStageTimer timer;
    const double startUs = recorder ? recorder->nowUs() : 0;

    timer.begin("project");
    if (n > 0) {
        projectKernel<<<blocksFor(n), kThreads>>>(view, frame, mapping, ends, settings.splatsCoverWholeMap, settings.binBy3SigmaRadius,
                                                   settings.alphaThreshold, f.u, f.v, f.range, f.opacity, f.conic, f.radius, f.extent, f.touched,
                                                   f.emission);
        LS_CUDA_CHECK(cudaGetLastError());
    }
    timer.end();

    timer.begin("bin");
    unsigned lastOffset = 0, lastCount = 0;
    if (n > 0) {
        LS_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(f.scanScratch, scanBytes, f.touched, f.offsets, n));
        LS_CUDA_CHECK(cudaMemcpy(&lastOffset, f.offsets + n - 1, sizeof lastOffset, cudaMemcpyDeviceToHost));
        LS_CUDA_CHECK(cudaMemcpy(&lastCount, f.touched + n - 1, sizeof lastCount, cudaMemcpyDeviceToHost));
    }
    const unsigned entries = lastOffset + lastCount;
    const int keyBits = 32 + tileKeyBits(tiles);
    std::size_t sortBytes = 0;
    if (entries > 0)
        LS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, sortBytes, static_cast<const std::uint64_t*>(nullptr), static_cast<std::uint64_t*>(nullptr),
                                                      static_cast<const std::uint32_t*>(nullptr), static_cast<std::uint32_t*>(nullptr),
                                                      static_cast<int>(entries), 0, keyBits));
    const EntryArrays e = buffers.entries.carve([&](cuda::Carver& c) {
        EntryArrays a{};
        a.keys = c.take<std::uint64_t>(entries), a.sortedKeys = c.take<std::uint64_t>(entries);
        a.ids = c.take<std::uint32_t>(entries), a.sortedIds = c.take<std::uint32_t>(entries);
        a.sortScratch = c.take<unsigned char>(sortBytes);
        return a;
    });
    if (entries > 0) {
        duplicateKernel<<<blocksFor(n), kThreads>>>(n, mapping, f.u, f.v, f.radius, f.extent, f.range, f.offsets, e.keys, e.ids);
        LS_CUDA_CHECK(cudaGetLastError());
    }
    timer.end();

    timer.begin("sort");
    if (entries > 0)
        LS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(e.sortScratch, sortBytes, e.keys, e.sortedKeys, e.ids, e.sortedIds, static_cast<int>(entries), 0,
                                                      keyBits));
    LS_CUDA_CHECK(cudaMemsetAsync(f.tileBegin, 0, tiles * sizeof(std::uint32_t)));
    LS_CUDA_CHECK(cudaMemsetAsync(f.tileEnd, 0, tiles * sizeof(std::uint32_t)));
    if (entries > 0) {
        tileRangesKernel<<<blocksFor(entries), kThreads>>>(entries, e.sortedKeys, f.tileBegin, f.tileEnd);
        LS_CUDA_CHECK(cudaGetLastError());
    }
    timer.end();

    timer.begin("composite");
    compositeKernel<<<tiles, dim3(kTileSize, kTileSize)>>>(mapping, outputs, settings.alphaThreshold, f.tileBegin, f.tileEnd, e.sortedIds, f.u, f.v, f.conic,
                                                           f.opacity, f.emission, f.channels, f.transmittance, f.contributors);
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();

    // Training reads the maps (its loss) and the radii (densification statistics) only; the rest
    // of the state stays on the device for the backward pass.
    auto downloadTo = [](auto& host, const auto* device, std::size_t count) {
        host.resize(count);
        if (count > 0)
            LS_CUDA_CHECK(cudaMemcpyAsync(host.data(), device, count * sizeof(*device), cudaMemcpyDeviceToHost));
    };
    RenderResult result;
    RenderState& state = result.state;
    downloadTo(result.channels, f.channels, static_cast<std::size_t>(outputs) * pixels);
    downloadTo(state.radius, f.radius, n);
    if (download == RenderDownload::WholeState) {
        downloadTo(state.finalTransmittance, f.transmittance, pixels);
        downloadTo(state.contributors, f.contributors, pixels);
        downloadTo(state.u, f.u, n), downloadTo(state.v, f.v, n), downloadTo(state.range, f.range, n), downloadTo(state.opacity, f.opacity, n);
        downloadTo(state.conic, f.conic, static_cast<std::size_t>(n) * 3);
        downloadTo(state.extent, f.extent, static_cast<std::size_t>(n) * 2);
        downloadTo(state.emission, f.emission, static_cast<std::size_t>(n) * outputs);
        downloadTo(state.bins.keys, e.sortedKeys, entries), downloadTo(state.bins.gaussianIds, e.sortedIds, entries);
        downloadTo(state.bins.tileBegin, f.tileBegin, tiles), downloadTo(state.bins.tileEnd, f.tileEnd, tiles);
    }
    LS_CUDA_CHECK(cudaDeviceSynchronize());
    if (recorder)
        timer.commit(*recorder, startUs);
    result.spectrum = spectrumFromChannels(result.channels, positions * field.frequencies, static_cast<std::size_t>(pixels), settings.quantity);

    auto last = std::make_unique<LastRender>();
    last->count = n;
    last->channels = outputs;
    last->tiles = tiles;
    last->settings = settings;
    last->u = f.u, last->v = f.v, last->conic = f.conic, last->opacity = f.opacity;
    last->emission = f.emission, last->transmittance = f.transmittance;
    last->sortedIds = e.sortedIds, last->tileBegin = f.tileBegin, last->contributors = f.contributors;
    last->radius = f.radius;
    last->frame = frame;
    last->movingEnds = ends;
    buffers.last = std::move(last);
    return result;
}

int SplatRendererCuda::workspaceAllocations() const
{
    return buffers_ ? buffers_->forward.allocations() + buffers_->entries.allocations() + buffers_->backward.allocations() : 0;
}


} // namespace ls::rf
