#include "GroupAttentionCuda.h"
#include "GroupAttentionKernel.cuh"

#include "engine/core/Error.h"
#include "engine/core/cuda/DeviceBuffer.h"
#include "engine/core/cuda/GpuStageTimer.h"

#include <cmath>

namespace ls::pointcloud {
namespace {

template <class Storage>
std::vector<float> attendOnDevice(const std::vector<Storage>& q, const std::vector<Storage>& k, const std::vector<Storage>& v,
                                  int groupSize, int channels, int heads, std::span<const std::int32_t> groupKeys,
                                  LatencyRecorder& recorder)
{
    const int headDim = channels / heads;
    const std::size_t sharedBytes = gpu::attentionSharedBytes<Storage>(groupSize, headDim);
    std::vector<float> out(q.size());
    const std::size_t groups = q.size() / channels / groupSize;
    if (groups == 0)
        return out;
    checkGroupKeys(groupKeys, groups, groupSize);
    cuda::GpuStageTimer timer;
    const double enqueuedUs = recorder.nowUs();
    timer.begin("upload");
    cuda::DeviceBuffer<Storage> dq(q.size()), dk(k.size()), dv(v.size());
    cuda::DeviceBuffer<float> dout(q.size());
    dq.upload(std::span<const Storage>(q));
    dk.upload(std::span<const Storage>(k));
    dv.upload(std::span<const Storage>(v));
    cuda::DeviceBuffer<std::int32_t> dkeys(groupKeys.size());
    if (!groupKeys.empty())
        dkeys.upload(groupKeys);
    timer.end();
    timer.begin("attention core");
    gpu::groupAttentionKernel<Storage><<<dim3(static_cast<unsigned>(groups), static_cast<unsigned>(heads)), gpu::kAttentionThreads, sharedBytes>>>(
        dq.data(), dk.data(), dv.data(), groupKeys.empty() ? nullptr : dkeys.data(), groupSize, channels, headDim, 1.0f / std::sqrt(static_cast<float>(headDim)), dout.data());
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
                                          int groupSize, int channels, int heads, std::span<const std::int32_t> groupKeys,
                                          int deviceIndex, LatencyRecorder& recorder, AttentionPrecision precision)
{
    if (channels % heads != 0 || channels / heads > gpu::kMaxHeadDim)
        throw ArgumentError("the attention core takes heads of at most " + std::to_string(gpu::kMaxHeadDim) + " channels");
    LS_CUDA_CHECK(cudaSetDevice(deviceIndex));
    if (precision == AttentionPrecision::Fp16) // rounded on the host, as the host run does (GroupAttentionDevice.h)
        return attendOnDevice(toHalfBits(q), toHalfBits(k), toHalfBits(v), groupSize, channels, heads, groupKeys, recorder);
    return attendOnDevice(q, k, v, groupSize, channels, heads, groupKeys, recorder);
}

} // namespace ls::pointcloud
