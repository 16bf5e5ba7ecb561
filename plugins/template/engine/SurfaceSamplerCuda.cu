// CUDA path of the template engine: one thread per point per stage, so each stage has its own
// timing in the latency record, mirroring the CPU path stage for stage.
#include "SurfaceSampler.h"
#include "engine/core/cuda/DeviceBuffer.h"
#include "engine/core/cuda/GpuStageTimer.h"

namespace ls::surface {
namespace {

constexpr int kThreads = 256;

unsigned blocksFor(std::size_t count)
{
    return static_cast<unsigned>((count + kThreads - 1) / kThreads);
}

__global__ void drawUvKernel(std::uint64_t seed, std::size_t count, float* uv) // uv: [N, 2]
{
    const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    if (i < count)
        drawUv(seed, i, uv + 2 * i);
}

__global__ void mapKernel(SurfaceSpec spec, std::size_t count, const float* uv, // [N, 2]
                          float* positions, float* normals)                      // [N, 3], [N, 3]
{
    const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    if (i < count)
        mapToSurface(spec, uv[2 * i], uv[2 * i + 1], positions + 3 * i, normals + 3 * i);
}

__global__ void noiseKernel(SurfaceSpec spec, std::size_t count, const float* normals, // [N, 3]
                            float* positions, float* noiseOffset)                      // [N, 3], [N]
{
    const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    if (i >= count)
        return;
    const float offset = spec.noiseStd * gaussian(spec.seed, i);
    noiseOffset[i] = offset;
    for (int k = 0; k < 3; ++k)
        positions[3 * i + k] += offset * normals[3 * i + k];
}

__global__ void attributesKernel(std::size_t count, const float* positions, float* height) // [N, 3], [N]
{
    const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    if (i < count)
        height[i] = positions[3 * i + 2];
}

} // namespace

SurfaceSamples sampleSurfaceCuda(const SurfaceSpec& spec, std::size_t count, std::span<const float> uvInput,
                                 RunContext& context)
{
    LS_CUDA_CHECK(cudaSetDevice(context.device().index));
    SurfaceSamples out;
    out.positions.resize(3 * count);
    out.uv.resize(2 * count);
    out.noiseOffset.resize(count);
    out.height.resize(count);
    if (count == 0)
        return out;

    cuda::DeviceBuffer<float> uv(2 * count), positions(3 * count), normals(3 * count), noise(count), height(count);
    cuda::GpuStageTimer timer;
    const double enqueuedUs = context.recorder().nowUs();
    if (uvInput.empty()) {
        timer.begin("draw uv");
        drawUvKernel<<<blocksFor(count), kThreads>>>(spec.seed, count, uv.data());
        timer.end();
    } else {
        timer.begin("upload uv");
        uv.upload(uvInput);
        timer.end();
    }
    timer.begin("map to surface");
    mapKernel<<<blocksFor(count), kThreads>>>(spec, count, uv.data(), positions.data(), normals.data());
    timer.end();
    timer.begin("add noise");
    noiseKernel<<<blocksFor(count), kThreads>>>(spec, count, normals.data(), positions.data(), noise.data());
    timer.end();
    timer.begin("attributes");
    attributesKernel<<<blocksFor(count), kThreads>>>(count, positions.data(), height.data());
    timer.end();
    LS_CUDA_CHECK(cudaGetLastError());
    timer.begin("download");
    positions.download(out.positions);
    uv.download(out.uv);
    noise.download(out.noiseOffset);
    height.download(out.height);
    timer.end();
    timer.commit(context.recorder(), enqueuedUs);
    return out;
}

} // namespace ls::surface
