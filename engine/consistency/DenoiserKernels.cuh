#pragma once
// The GPU denoiser's pieces, shared by sampling (DenoiserCuda.cu) and training
// (DenoiserTrainingCuda.cu): parameters on the device, cuBLAS GEMMs in PyTorch's [out, in] weight
// layout, and small kernels for the element-wise parts. Matrices are row-major [rows, width] as on
// the CPU (Layers.h), so one upload or download moves a whole Eigen matrix.
//
// The kernels live in an unnamed namespace: each .cu file that includes this gets its own copy (no
// relocatable device code needed).
#include "Layers.h"
#include "engine/core/CounterRng.h"
#include "engine/core/LayerNormEpsilon.h"
#include "engine/core/Sigmoid.h"
#include "engine/core/cuda/CublasCheck.h"
#include "engine/core/cuda/CublasHandle.h"
#include "engine/core/cuda/DeviceBuffer.h"

#include <cstddef>
#include <span>

namespace ls::consistency {
namespace {

constexpr int kThreads = 256;
using ls::kLayerNormEpsilon; // as NonScalingLayerNorm (PyTorch's default)

unsigned blocksFor(std::size_t elements)
{
    return static_cast<unsigned>((elements + kThreads - 1) / kThreads);
}

__device__ float silu(float v)
{
    return v / (1.0f + expf(-v)); // v·σ(v) with one rounding less, as the CPU path computes it
}

// d SiLU / dv = s·(1 + v·(1 − s)), s = sigmoid(v): the CPU's ActivationOf::backward.
__device__ float siluSlope(float v)
{
    const float s = sigmoid(v);
    return s * (1.0f + v * (1.0f - s));
}

// x = scale · z, z ~ N(0, 1) from (seed, element index, stream): normalNoise() of Training.h.
__global__ void fillNormal(float* x, long n, std::uint64_t seed, std::uint32_t stream, float scale)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] = rng::normal(seed, static_cast<std::uint64_t>(i), stream) * scale;
}

__global__ void addNormal(float* x, long n, std::uint64_t seed, std::uint32_t stream, float scale)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] = x[i] + scale * rng::normal(seed, static_cast<std::uint64_t>(i), stream);
}

// y[r, c] = x[r, c] · (perRow ? perRow[r] : uniform): the c_in and c_out scalings, one σ per row or
// one for all.
__global__ void scaleRows(const float* x, float* y, long rows, int width, const float* perRow, float uniform)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < rows * width)
        y[i] = x[i] * (perRow ? perRow[i / width] : uniform);
}

// y[r, c] = (y[r, c] + bias[c] + add[r·addStride + c]), then SiLU when asked; `pre`, when given,
// keeps the value before the activation (for the backward pass). addStride 0 adds one row to every
// row (sampling's shared noise embedding); the width, a row each (training's per-row σ).
__global__ void biasAddActivate(float* y, long rows, int width, const float* bias, const float* add, int addStride, bool activate,
                                float* pre)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= rows * width)
        return;
    const int c = static_cast<int>(i % width);
    float v = y[i] + bias[c];
    if (add)
        v = v + add[(i / width) * addStride + c];
    if (pre)
        pre[i] = v;
    y[i] = activate ? silu(v) : v;
}

// h += y + bias: a residual block's second Linear.
__global__ void addBiasedResidual(float* h, const float* y, long rows, int width, const float* bias)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < rows * width)
        h[i] += y[i] + bias[i % width];
}

// Sum over the threads of a block (blockDim.x = kThreads); every thread gets the total.
__device__ float blockSum(float value, float* partial)
{
    partial[threadIdx.x] = value;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride)
            partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    const float total = partial[0];
    __syncthreads();
    return total;
}

// One block per row: x̂ = (x − mean) / √(var + ε) (biased variance, two passes), y = x̂ + bias, then
// SiLU when asked (the output head's activation follows its norm). Training keeps x̂ and 1/σ
// (`normalised`, `inverseStd`; null when sampling) and, with an activation, y before it (`pre`).
__global__ void nonScalingLayerNorm(const float* x, float* y, int width, const float* bias, bool activate, float* normalised,
                                    float* inverseStd, float* pre)
{
    __shared__ float partial[kThreads];
    const long offset = static_cast<long>(blockIdx.x) * width;
    const float* in = x + offset;
    float sum = 0;
    for (int c = threadIdx.x; c < width; c += blockDim.x)
        sum += in[c];
    const float mean = blockSum(sum, partial) / width;
    float squares = 0;
    for (int c = threadIdx.x; c < width; c += blockDim.x)
        squares += (in[c] - mean) * (in[c] - mean);
    const float inverse = 1.0f / sqrtf(blockSum(squares, partial) / width + kLayerNormEpsilon);
    if (inverseStd && threadIdx.x == 0)
        inverseStd[blockIdx.x] = inverse;
    for (int c = threadIdx.x; c < width; c += blockDim.x) {
        const float hat = (in[c] - mean) * inverse;
        if (normalised)
            normalised[offset + c] = hat;
        const float v = hat + bias[c];
        if (pre)
            pre[offset + c] = v;
        y[offset + c] = activate ? silu(v) : v;
    }
}

// f = c_skip · x + c_out · F, per row or one pair for all.
__global__ void combine(const float* x, const float* network, float* f, long rows, int width, const float* skipPerRow,
                        const float* outPerRow, float skip, float out)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= rows * width)
        return;
    const long r = i / width;
    f[i] = x[i] * (skipPerRow ? skipPerRow[r] : skip) + (outPerRow ? outPerRow[r] : out) * network[i];
}

cuda::DeviceBuffer<float> uploaded(const Matrix& m)
{
    cuda::DeviceBuffer<float> buffer(static_cast<std::size_t>(m.size()));
    buffer.upload(std::span<const float>(m.data(), static_cast<std::size_t>(m.size())));
    return buffer;
}

// y[rows, out] = x[rows, in] · Wᵀ for row-major W [out, in] (bias added by the caller's kernel).
// Row-major W is, in cuBLAS's column-major terms, an in × out matrix: y_colmajor(out × rows) = Wᵀ·x.
void linearGemm(cublasHandle_t blas, const float* x, long rows, const float* weight, int in, int out, float* y)
{
    const float one = 1.0f, zero = 0.0f;
    LS_CUBLAS_CHECK(cublasSgemm(blas, CUBLAS_OP_T, CUBLAS_OP_N, out, static_cast<int>(rows), in, &one, weight, in, x, in, &zero, y, out));
}

} // namespace
} // namespace ls::consistency
