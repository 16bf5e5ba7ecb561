#include "FlattenedWindowsCuda.h"

#include "engine/core/cuda/DeviceBuffer.h"
#include "engine/core/cuda/GpuStageTimer.h"

#include <cub/device/device_radix_sort.cuh>

namespace ls::pointcloud {
namespace {

constexpr int kThreads = 256;

__global__ void keysKernel(const std::int32_t* sample, const std::int32_t* x, const std::int32_t* y, // [P] each
                           GridShape grid, WindowShape window, LayerKind kind, std::size_t count,
                           std::int64_t* keys, std::int32_t* indices)                                // [P], [P]
{
    const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
    if (i >= count)
        return;
    keys[i] = flattenKey(sample[i], x[i], y[i], grid, window, kind);
    indices[i] = static_cast<std::int32_t>(i);
}

} // namespace

std::vector<std::int32_t> flattenOrderCuda(const PillarCoords& pillars, GridShape grid, WindowShape window, LayerKind kind,
                                           int deviceIndex, LatencyRecorder& recorder)
{
    LS_CUDA_CHECK(cudaSetDevice(deviceIndex));
    const std::size_t count = pillars.size();
    std::vector<std::int32_t> order(count);
    if (count == 0)
        return order;
    cuda::GpuStageTimer timer;
    const double enqueuedUs = recorder.nowUs();
    timer.begin("upload");
    cuda::DeviceBuffer<std::int32_t> sample(count), x(count), y(count), indices(count), sortedIndices(count);
    cuda::DeviceBuffer<std::int64_t> keys(count), sortedKeys(count);
    sample.upload(std::span<const std::int32_t>(pillars.sample));
    x.upload(std::span<const std::int32_t>(pillars.x));
    y.upload(std::span<const std::int32_t>(pillars.y));
    timer.end();
    timer.begin("keys");
    keysKernel<<<static_cast<unsigned>((count + kThreads - 1) / kThreads), kThreads>>>(sample.data(), x.data(), y.data(), grid, window,
                                                                                       kind, count, keys.data(), indices.data());
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();
    timer.begin("sort");
    std::size_t scratchBytes = 0;
    LS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, scratchBytes, keys.data(), sortedKeys.data(), indices.data(),
                                                  sortedIndices.data(), static_cast<int>(count)));
    cuda::DeviceBuffer<unsigned char> scratch(scratchBytes);
    LS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(scratch.data(), scratchBytes, keys.data(), sortedKeys.data(), indices.data(),
                                                  sortedIndices.data(), static_cast<int>(count)));
    timer.end();
    timer.begin("download");
    sortedIndices.download(std::span<std::int32_t>(order));
    timer.end();
    timer.commit(recorder, enqueuedUs);
    return order;
}

} // namespace ls::pointcloud
