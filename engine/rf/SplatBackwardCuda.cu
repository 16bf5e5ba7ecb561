// The CUDA renderer's backward pass: the composite walk back through each pixel's splats, then
// each Gaussian's projection and emission MLP (the forward pass is SplatRendererCuda.cu).
#include "SplatCudaShared.cuh"

#include <iterator>
#include <stdexcept>

namespace ls::rf {

namespace {

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


} // namespace

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
    const std::size_t n = static_cast<std::size_t>(last->count);
    float* upstream = nullptr;
    GaussianField shapes = host.zerosLike(); // only the parameter arrays' sizes are read
    const auto arrays = shapes.parameterArrays();
    SplatGradientsOnDevice gradients = backward.carve([&](cuda::Carver& c) {
        upstream = c.take<float>(upstreamHost.size());
        SplatGradientsOnDevice pieces{c.take<float>(n * 2), c.take<float>(n * 3), c.take<float>(n), c.take<float>(n * last->channels), {}, nullptr};
        for (std::size_t i = 0; i < arrays.size() && i < 8; ++i)
            pieces.field[i] = c.take<float>(arrays[i].second->size());
        pieces.centreNorms = c.take<float>(n);
        return pieces;
    });
    LS_CUDA_CHECK(cudaMemcpyAsync(upstream, upstreamHost.data(), upstreamHost.size() * sizeof(float), cudaMemcpyHostToDevice));
    const std::pair<float*, std::size_t> zeroed[] = {
        {gradients.centre, n * 2}, {gradients.conic, n * 3}, {gradients.opacity, n}, {gradients.emission, n * last->channels}};
    for (const auto& [piece, count] : zeroed)
        LS_CUDA_CHECK(cudaMemsetAsync(piece, 0, count * sizeof(float)));
    compositeBackwardKernel<<<last->tiles, dim3(kTileSize, kTileSize)>>>(
        mapping, last->channels, last->settings.alphaThreshold, last->tileBegin, last->contributors, last->transmittance, last->sortedIds, last->u,
        last->v, last->conic, last->opacity, last->emission, upstream, gradients.centre, gradients.conic, gradients.opacity, gradients.emission);
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();
    return gradients;
}

namespace {
// Fills `host` (sized by the caller) from the device; synchronous (pageable memory).
void downloadInto(const float* device, std::vector<float>& host)
{
    if (!host.empty())
        LS_CUDA_CHECK(cudaMemcpy(host.data(), device, host.size() * sizeof(float), cudaMemcpyDeviceToHost));
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
    const std::pair<const float*, std::vector<double>*> parts[] = {
        {onDevice.centre, &gradients.centre}, {onDevice.conic, &gradients.conic}, {onDevice.opacity, &gradients.opacity},
        {onDevice.emission, &gradients.emission}};
    for (const auto& [device, host] : parts) {
        std::vector<float> values(host->size());
        downloadInto(device, values);
        host->assign(values.begin(), values.end());
    }
    if (recorder)
        timer.commit(*recorder, startUs);
    return gradients;
}

GaussianField SplatRendererCuda::backwardField(const std::vector<double>& channelGradient, std::vector<float>* centreGradientNorms,
                                               LatencyRecorder* recorder, Collective* sumOver, bool* summed)
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
    if (arrays.size() != std::size(splat.field))
        throw std::logic_error("SplatRendererCuda::backwardField: the field has " + std::to_string(arrays.size()) + " parameter arrays, the kernel 8");
    for (std::size_t i = 0; i < arrays.size(); ++i)
        LS_CUDA_CHECK(cudaMemsetAsync(splat.field[i], 0, arrays[i].second->size() * sizeof(float)));
    const GradientView out{splat.field[0], splat.field[1], splat.field[2], splat.field[3], splat.field[4], splat.field[5], splat.field[6], splat.field[7]};
    if (last.count > 0) {
        fieldBackwardKernel<<<blocksFor(last.count), kThreads>>>(buffers_->view(), last.frame, last.settings.mapping, last.movingEnds, last.radius,
                                                                  last.opacity, last.emission, splat.centre, splat.conic, splat.opacity, splat.emission,
                                                                  out, centreGradientNorms ? splat.centreNorms : nullptr);
        LS_CUDA_CHECK(cudaGetLastError());
    }
    timer.end();
    bool onDevice = sumOver != nullptr;
    if (sumOver) {
        timer.begin("gradient all-reduce");
        for (std::size_t i = 0; i < arrays.size() && onDevice; ++i)
            onDevice = sumOver->sumOnDevice(splat.field[i], arrays[i].second->size(), device_);
        timer.end();
    }
    if (summed)
        *summed = sumOver && onDevice;
    for (std::size_t i = 0; i < arrays.size(); ++i)
        downloadInto(splat.field[i], *arrays[i].second);
    if (centreGradientNorms) {
        centreGradientNorms->resize(static_cast<std::size_t>(last.count));
        downloadInto(splat.centreNorms, *centreGradientNorms);
    }
    LS_CUDA_CHECK(cudaDeviceSynchronize());
    if (recorder)
        timer.commit(*recorder, startUs);
    return gradients;
}


} // namespace ls::rf
