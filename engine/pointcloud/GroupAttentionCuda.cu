#include "GroupAttentionCuda.h"

#include "engine/core/Error.h"
#include "engine/core/cuda/DeviceBuffer.h"
#include "engine/core/cuda/GpuStageTimer.h"

#include <cmath>

namespace ls::pointcloud {
namespace {

constexpr int kThreads = 128;
constexpr std::size_t kMaxSharedBytes = 48 * 1024; // without opting in to more

// Block (group, head): keys and values of the head's slice staged in shared memory [G, D] each,
// in the storage precision (fp16 halves the bytes, so groups twice as large fit).
template <class Storage>
__global__ void groupAttentionKernel(const Storage* q, const Storage* k, const Storage* v, // [slots, C] each
                                     int groupSize, int channels, int headDim, float scale, float* out)
{
    extern __shared__ unsigned char stagedBytes[]; // keys [G, D], then values [G, D]
    Storage* keys = reinterpret_cast<Storage*>(stagedBytes);
    Storage* values = keys + groupSize * headDim;
    const long base = static_cast<long>(blockIdx.x) * groupSize * channels + static_cast<long>(blockIdx.y) * headDim;
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

template <class Storage>
std::vector<float> attendOnDevice(const std::vector<Storage>& q, const std::vector<Storage>& k, const std::vector<Storage>& v,
                                  int groupSize, int channels, int heads, LatencyRecorder& recorder)
{
    const int headDim = channels / heads;
    const std::size_t sharedBytes = 2 * static_cast<std::size_t>(groupSize) * headDim * sizeof(Storage);
    if (sharedBytes > kMaxSharedBytes)
        throw ArgumentError("group size " + std::to_string(groupSize) + " × head width " + std::to_string(headDim) + " needs " +
                            std::to_string(sharedBytes / 1024) + " KiB of shared memory per block (at most 48; fp16 needs half)");
    std::vector<float> out(q.size());
    const std::size_t groups = q.size() / channels / groupSize;
    if (groups == 0)
        return out;
    cuda::GpuStageTimer timer;
    const double enqueuedUs = recorder.nowUs();
    timer.begin("upload");
    cuda::DeviceBuffer<Storage> dq(q.size()), dk(k.size()), dv(v.size());
    cuda::DeviceBuffer<float> dout(q.size());
    dq.upload(std::span<const Storage>(q));
    dk.upload(std::span<const Storage>(k));
    dv.upload(std::span<const Storage>(v));
    timer.end();
    timer.begin("attention core");
    groupAttentionKernel<Storage><<<dim3(static_cast<unsigned>(groups), static_cast<unsigned>(heads)), kThreads, sharedBytes>>>(
        dq.data(), dk.data(), dv.data(), groupSize, channels, headDim, 1.0f / std::sqrt(static_cast<float>(headDim)), dout.data());
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();
    timer.begin("download");
    dout.download(std::span<float>(out));
    timer.end();
    timer.commit(recorder, enqueuedUs);
    return out;
}

} // namespace

std::vector<float> groupAttentionCoreCuda(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                                          int groupSize, int channels, int heads, int deviceIndex, LatencyRecorder& recorder,
                                          AttentionPrecision precision)
{
    if (channels % heads != 0 || channels / heads > gpu::kMaxHeadDim)
        throw ArgumentError("the attention core takes heads of at most " + std::to_string(gpu::kMaxHeadDim) + " channels");
    LS_CUDA_CHECK(cudaSetDevice(deviceIndex));
    if (precision == AttentionPrecision::Fp16) // rounded on the host, as the host run does (GroupAttentionDevice.h)
        return attendOnDevice(toHalfBits(q), toHalfBits(k), toHalfBits(v), groupSize, channels, heads, recorder);
    return attendOnDevice(q, k, v, groupSize, channels, heads, recorder);
}

} // namespace ls::pointcloud
