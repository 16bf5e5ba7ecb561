#include "FlatFormerStackCuda.h"
#include "GroupAttentionKernel.cuh"
#include "LayerDevice.h"

#include "engine/core/Error.h"
#include "engine/core/cuda/CublasCheck.h"
#include "engine/core/cuda/CublasHandle.h"
#include "engine/core/cuda/DeviceBuffer.h"
#include "engine/core/cuda/GpuStageTimer.h"

#include <cmath>
#include <optional>
#include <cublas_v2.h>
#include <cuda_fp16.h>

namespace ls::pointcloud {
namespace {

constexpr int kThreads = 256;

unsigned blocksFor(std::size_t elements)
{
    return static_cast<unsigned>((elements + kThreads - 1) / kThreads);
}

// Slot s holds the pillar order[slotToOrder[s]]: its features (values) and features + pe (queries, keys).
__global__ void gatherSlots(const std::int32_t* slotToOrder, const std::int32_t* order, const float* features, const float* pe,
                            long slots, int channels, float* slotX, float* slotQK)
{
    const long e = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= slots * channels)
        return;
    const long slot = e / channels, c = e % channels;
    const long source = static_cast<long>(order[slotToOrder[slot]]) * channels + c;
    slotX[e] = features[source];
    slotQK[e] = features[source] + pe[source];
}

__global__ void addBias(float* y, long rows, int columns, const float* bias)
{
    const long e = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e < rows * columns)
        y[e] += bias[e % columns];
}

// Round to fp16 bits exactly as floatToHalf does on the host (round to nearest even).
__global__ void toHalfBits(const float* in, long n, gpu::HalfBits* out)
{
    const long e = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e < n)
        out[e].bits = __half_as_ushort(__float2half_rn(in[e]));
}

// Each token reads its own slot only: padding copies are never written back.
__global__ void scatterOwnSlots(const std::int32_t* order, const std::int32_t* orderToSlot, const float* attended, long pillars,
                                int channels, float* features)
{
    const long e = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= pillars * channels)
        return;
    const long position = e / channels, c = e % channels;
    features[static_cast<long>(order[position]) * channels + c] += attended[static_cast<long>(orderToSlot[position]) * channels + c];
}

__global__ void layerNormRows(float* x, long rows, int channels, const float* scale, const float* bias)
{
    const long row = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (row < rows)
        gpu::layerNormRow(x + row * channels, channels, scale, bias);
}

__global__ void geluInPlace(float* x, long n)
{
    const long e = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e < n)
        x[e] = gpu::geluOf(x[e]);
}

__global__ void addInPlace(float* x, const float* y, long n)
{
    const long e = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e < n)
        x[e] += y[e];
}

cuda::DeviceBuffer<float> uploaded(const std::vector<float>& host)
{
    cuda::DeviceBuffer<float> buffer(host.size());
    buffer.upload(std::span<const float>(host));
    return buffer;
}

cuda::DeviceBuffer<std::int32_t> uploaded(const std::vector<std::int32_t>& host)
{
    cuda::DeviceBuffer<std::int32_t> buffer(host.size());
    buffer.upload(std::span<const std::int32_t>(host));
    return buffer;
}

} // namespace

struct FlatFormerStackCuda::Device {
    int channels = 0;
    long pillars = 0;
    std::optional<cuda::CublasHandle> blasOwner; // made after cudaSetDevice
    cublasHandle_t blas = nullptr;
    cuda::DeviceBuffer<float> features, pe;
    // The current layer's grouping and its attention output per slot, kept for scatter().
    cuda::DeviceBuffer<std::int32_t> order, orderToSlot;
    cuda::DeviceBuffer<float> attended;

    // y[rows, out] = x[rows, in] · Wᵀ + b for a row-major W [out, in]. In cuBLAS's column-major
    // terms y is an out × rows matrix: y = W_colmajor(in × out)ᵀ · x_colmajor(in × rows).
    void linear(const float* x, long rows, int in, const float* weight, const float* bias, int out, float* y)
    {
        const float one = 1.0f, zero = 0.0f;
        LS_CUBLAS_CHECK(cublasSgemm(blas, CUBLAS_OP_T, CUBLAS_OP_N, out, static_cast<int>(rows), in, &one, weight, in, x, in, &zero, y, out));
        addBias<<<blocksFor(static_cast<std::size_t>(rows) * out), kThreads>>>(y, rows, out, bias);
    }
};

FlatFormerStackCuda::FlatFormerStackCuda(int deviceIndex, const std::vector<float>& features, const std::vector<float>& pe, int channels)
    : device_(std::make_unique<Device>())
{
    LS_CUDA_CHECK(cudaSetDevice(deviceIndex));
    device_->blasOwner.emplace();
    device_->blas = *device_->blasOwner;
    device_->channels = channels;
    device_->pillars = static_cast<long>(features.size() / channels);
    device_->features = uploaded(features);
    device_->pe = uploaded(pe);
}

FlatFormerStackCuda::~FlatFormerStackCuda() = default; // the handle and buffers free themselves

void FlatFormerStackCuda::attend(const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights,
                                 AttentionPrecision precision, LatencyRecorder& recorder)
{
    Device& d = *device_;
    const int C = d.channels, H = weights.heads, D = C / H, G = grouping.groupSize;
    if (C % H != 0 || D > gpu::kMaxHeadDim)
        throw ArgumentError("the attention core takes heads of at most " + std::to_string(gpu::kMaxHeadDim) + " channels");
    const long slots = static_cast<long>(grouping.slotToOrder.size());
    const std::size_t slotValues = static_cast<std::size_t>(slots) * C;
    cuda::GpuStageTimer timer;
    const double enqueuedUs = recorder.nowUs();

    timer.begin("gather");
    d.order = uploaded(order);
    d.orderToSlot = uploaded(grouping.orderToSlot);
    const auto slotToOrder = uploaded(grouping.slotToOrder);
    const auto groupKeys = uploaded(grouping.groupKeys);
    cuda::DeviceBuffer<float> slotX(slotValues), slotQK(slotValues), q(slotValues), k(slotValues), v(slotValues), heads(slotValues);
    if (slots > 0)
        gatherSlots<<<blocksFor(slotValues), kThreads>>>(slotToOrder.data(), d.order.data(), d.features.data(), d.pe.data(), slots, C,
                                                         slotX.data(), slotQK.data());
    timer.end();

    timer.begin("qkv projection");
    const auto inProjection = uploaded(weights.inProjection), inBias = uploaded(weights.inBias);
    if (slots > 0) {
        d.linear(slotQK.data(), slots, C, inProjection.data(), inBias.data(), C, q.data());
        d.linear(slotQK.data(), slots, C, inProjection.data() + C * C, inBias.data() + C, C, k.data());
        d.linear(slotX.data(), slots, C, inProjection.data() + 2 * C * C, inBias.data() + 2 * C, C, v.data());
    }
    timer.end();

    timer.begin("attention core");
    const dim3 grid(static_cast<unsigned>(grouping.groupCount()), static_cast<unsigned>(H));
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    if (grouping.groupCount() > 0) {
        if (precision == AttentionPrecision::Fp16) {
            cuda::DeviceBuffer<gpu::HalfBits> qh(slotValues), kh(slotValues), vh(slotValues);
            toHalfBits<<<blocksFor(slotValues), kThreads>>>(q.data(), static_cast<long>(slotValues), qh.data());
            toHalfBits<<<blocksFor(slotValues), kThreads>>>(k.data(), static_cast<long>(slotValues), kh.data());
            toHalfBits<<<blocksFor(slotValues), kThreads>>>(v.data(), static_cast<long>(slotValues), vh.data());
            gpu::groupAttentionKernel<gpu::HalfBits><<<grid, gpu::kAttentionThreads, gpu::attentionSharedBytes<gpu::HalfBits>(G, D)>>>(
                qh.data(), kh.data(), vh.data(), groupKeys.data(), G, C, D, scale, heads.data());
        } else {
            gpu::groupAttentionKernel<float><<<grid, gpu::kAttentionThreads, gpu::attentionSharedBytes<float>(G, D)>>>(
                q.data(), k.data(), v.data(), groupKeys.data(), G, C, D, scale, heads.data());
        }
        LS_CUDA_CHECK(cudaGetLastError());
    }
    timer.end();

    timer.begin("out projection");
    const auto outProjection = uploaded(weights.outProjection), outBias = uploaded(weights.outBias);
    d.attended = cuda::DeviceBuffer<float>(slotValues);
    if (slots > 0)
        d.linear(heads.data(), slots, C, outProjection.data(), outBias.data(), C, d.attended.data());
    timer.end();
    timer.commit(recorder, enqueuedUs); // synchronises: the buffers above may go
}

void FlatFormerStackCuda::scatter(LatencyRecorder& recorder)
{
    Device& d = *device_;
    cuda::GpuStageTimer timer;
    const double enqueuedUs = recorder.nowUs();
    timer.begin("scatter residual");
    const std::size_t values = static_cast<std::size_t>(d.pillars) * d.channels;
    if (values > 0)
        scatterOwnSlots<<<blocksFor(values), kThreads>>>(d.order.data(), d.orderToSlot.data(), d.attended.data(), d.pillars, d.channels,
                                                         d.features.data());
    timer.end();
    timer.commit(recorder, enqueuedUs);
}

void FlatFormerStackCuda::feedForward(const LayerWeights& weights, LatencyRecorder& recorder)
{
    Device& d = *device_;
    const int C = d.channels;
    const std::size_t values = static_cast<std::size_t>(d.pillars) * C;
    if (values == 0)
        return;
    cuda::GpuStageTimer timer;
    const double enqueuedUs = recorder.nowUs();
    const auto norm1Scale = uploaded(weights.norm1Scale), norm1Bias = uploaded(weights.norm1Bias);
    const auto norm2Scale = uploaded(weights.norm2Scale), norm2Bias = uploaded(weights.norm2Bias);
    const auto fc1 = uploaded(weights.fc1), fc1Bias = uploaded(weights.fc1Bias);
    const auto fc2 = uploaded(weights.fc2), fc2Bias = uploaded(weights.fc2Bias);
    cuda::DeviceBuffer<float> hidden(values * 2), projected(values);
    timer.begin("layernorm 1");
    layerNormRows<<<blocksFor(static_cast<std::size_t>(d.pillars)), kThreads>>>(d.features.data(), d.pillars, C, norm1Scale.data(),
                                                                                  norm1Bias.data());
    timer.end();
    timer.begin("fc1 + gelu");
    d.linear(d.features.data(), d.pillars, C, fc1.data(), fc1Bias.data(), 2 * C, hidden.data());
    geluInPlace<<<blocksFor(values * 2), kThreads>>>(hidden.data(), static_cast<long>(values * 2));
    timer.end();
    timer.begin("fc2 + residual");
    d.linear(hidden.data(), d.pillars, 2 * C, fc2.data(), fc2Bias.data(), C, projected.data());
    addInPlace<<<blocksFor(values), kThreads>>>(d.features.data(), projected.data(), static_cast<long>(values));
    timer.end();
    timer.begin("layernorm 2");
    layerNormRows<<<blocksFor(static_cast<std::size_t>(d.pillars)), kThreads>>>(d.features.data(), d.pillars, C, norm2Scale.data(),
                                                                                  norm2Bias.data());
    LS_CUDA_CHECK(cudaGetLastError());
    timer.end();
    timer.commit(recorder, enqueuedUs);
}

std::vector<float> FlatFormerStackCuda::features() const
{
    std::vector<float> host(device_->features.size());
    device_->features.download(std::span<float>(host));
    LS_CUDA_CHECK(cudaDeviceSynchronize());
    return host;
}

} // namespace ls::pointcloud
