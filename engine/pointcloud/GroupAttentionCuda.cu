#include "GroupAttentionCuda.h"
#include "GroupAttentionDevice.h"

#include "engine/core/Error.h"
#include "engine/core/cuda/DeviceBuffer.h"
#include "engine/core/cuda/GpuStageTimer.h"

#include <cmath>

namespace ls::pointcloud {
namespace {

constexpr int kThreads = 128;

// Block (group, head): keys and values of the head's slice staged in shared memory [G, D] each.
__global__ void groupAttentionKernel(const float* q, const float* k, const float* v, // [slots, C] each
                                     int groupSize, int channels, int headDim, float scale, float* out)
{
    extern __shared__ float staged[]; // keys [G, D], then values [G, D]
    const long base = static_cast<long>(blockIdx.x) * groupSize * channels + static_cast<long>(blockIdx.y) * headDim;
    float* keys = staged;
    float* values = staged + groupSize * headDim;
    for (int e = threadIdx.x; e < groupSize * headDim; e += blockDim.x) {
        const int row = e / headDim, column = e % headDim;
        keys[e] = k[base + static_cast<long>(row) * channels + column];
        values[e] = v[base + static_cast<long>(row) * channels + column];
    }
    __syncthreads();
    for (int i = threadIdx.x; i < groupSize; i += blockDim.x)
        gpu::attendQuery(q + base + static_cast<long>(i) * channels, keys, values, groupSize, headDim, headDim, scale,
                         out + base + static_cast<long>(i) * channels);
}

} // namespace

std::vector<float> groupAttentionCoreCuda(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                                          int groupSize, int channels, int heads, int deviceIndex, LatencyRecorder& recorder)
{
    const int headDim = channels / heads;
    if (headDim > gpu::kMaxHeadDim || channels % heads != 0)
        throw ArgumentError("the attention core takes heads of at most " + std::to_string(gpu::kMaxHeadDim) + " channels");
    const std::size_t sharedBytes = 2 * static_cast<std::size_t>(groupSize) * headDim * sizeof(float);
    if (sharedBytes > 48 * 1024)
        throw ArgumentError("group size " + std::to_string(groupSize) + " × head width " + std::to_string(headDim) +
                            " needs more than 48 KiB of shared memory per block");
    LS_CUDA_CHECK(cudaSetDevice(deviceIndex));
    std::vector<float> out(q.size());
    const std::size_t groups = q.size() / channels / groupSize;
    if (groups == 0)
        return out;
    cuda::GpuStageTimer timer;
    const double enqueuedUs = recorder.nowUs();
    timer.begin("upload");
    cuda::DeviceBuffer<float> dq(q.size()), dk(k.size()), dv(v.size()), dout(q.size());
    dq.upload(std::span<const float>(q));
    dk.upload(std::span<const float>(k));
    dv.upload(std::span<const float>(v));
    timer.end();
    timer.begin("attention core");
    groupAttentionKernel<<<dim3(static_cast<unsigned>(groups), static_cast<unsigned>(heads)), kThreads, sharedBytes>>>(
        dq.data(), dk.data(), dv.data(), groupSize, channels, headDim, 1.0f / std::sqrt(static_cast<float>(headDim)), dout.data());
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();
    timer.begin("download");
    dout.download(std::span<float>(out));
    timer.end();
    timer.commit(recorder, enqueuedUs);
    return out;
}

} // namespace ls::pointcloud
