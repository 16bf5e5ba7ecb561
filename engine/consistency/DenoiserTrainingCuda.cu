#include "DenoiserTrainingCuda.h"

#include "DenoiserKernels.cuh"
#include "engine/core/Error.h"

#include <cmath>
#include <optional>
#include <string>

namespace ls::consistency {
namespace {

using Buffer = cuda::DeviceBuffer<float>;

// dx = dy ⊙ SiLU'(pre); dx may be dy.
__global__ void siluBackward(const float* dy, const float* pre, float* dx, long n)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n)
        dx[i] = dy[i] * siluSlope(pre[i]);
}

// out[c] = Σ_r dy[r, c], a bias's gradient: a thread per column (a few hundred columns, a batch of rows).
__global__ void columnSums(const float* dy, long rows, int width, float* out)
{
    const int c = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (c >= width)
        return;
    float sum = 0;
    for (long r = 0; r < rows; ++r)
        sum += dy[r * width + c];
    out[c] = sum;
}

// One block per row, NonScalingLayerNormOf::backward: dx = (dy − mean(dy) − x̂·mean(dy ⊙ x̂)) / σ,
// written or added (the residual stream's gradient adds the branch's).
__global__ void layerNormBackward(const float* dy, const float* normalised, const float* inverseStd, float* dx, int width, bool accumulate)
{
    __shared__ float partial[kThreads];
    const long offset = static_cast<long>(blockIdx.x) * width;
    float sumDy = 0, sumDyX = 0;
    for (int c = threadIdx.x; c < width; c += blockDim.x) {
        sumDy += dy[offset + c];
        sumDyX += dy[offset + c] * normalised[offset + c];
    }
    const float meanDy = blockSum(sumDy, partial) / width;
    const float meanDyX = blockSum(sumDyX, partial) / width;
    const float inverse = inverseStd[blockIdx.x];
    for (int c = threadIdx.x; c < width; c += blockDim.x) {
        const float v = (dy[offset + c] - meanDy - normalised[offset + c] * meanDyX) * inverse;
        dx[offset + c] = accumulate ? dx[offset + c] + v : v;
    }
}

__global__ void addInto(float* a, const float* b, long n)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n)
        a[i] += b[i];
}

// Adam.cpp's update: m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², p −= rate·(m/c₁)/(√(v/c₂) + ε).
__global__ void adamUpdate(float* value, const float* grad, float* m, float* v, long n, float rate, float beta1, float beta2, float epsilon,
                           float correction1, float correction2)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    m[i] = beta1 * m[i] + (1.0f - beta1) * grad[i];
    v[i] = beta2 * v[i] + (1.0f - beta2) * grad[i] * grad[i];
    value[i] -= rate * (m[i] / correction1) / (sqrtf(v[i] / correction2) + epsilon);
}

// dW = dyᵀ·x, replacing: row-major dW [out, in] is column-major in × out, dW_cm = x_cm · dy_cmᵀ.
void weightGradient(cublasHandle_t blas, const float* dy, const float* x, long rows, int in, int out, float* dW)
{
    const float one = 1.0f, zero = 0.0f;
    LS_CUBLAS_CHECK(cublasSgemm(blas, CUBLAS_OP_N, CUBLAS_OP_T, in, out, static_cast<int>(rows), &one, x, in, dy, out, &zero, dW, in));
}

// dx = dy·W: column-major dx_cm (in × rows) = W_cm (in × out) · dy_cm (out × rows).
void inputGradient(cublasHandle_t blas, const float* dy, long rows, const float* weight, int in, int out, float* dx)
{
    const float one = 1.0f, zero = 0.0f;
    LS_CUBLAS_CHECK(cublasSgemm(blas, CUBLAS_OP_N, CUBLAS_OP_N, in, static_cast<int>(rows), out, &one, weight, in, dy, out, &zero, dx, in));
}

void check()
{
    LS_CUDA_CHECK(cudaGetLastError());
}

} // namespace

struct DenoiserTrainingCuda::Device {
    Denoiser& model;
    Adam& adam;
    DenoiserSpec spec;
    Parameterisation parameterisation;
    std::optional<cuda::CublasHandle> blasOwner; // made after cudaSetDevice
    cublasHandle_t blas = nullptr;

    // Each parameter tensor in Denoiser::parameters() order, with its gradient and Adam's moments.
    struct Tensor {
        Buffer value, grad, first, second;
        long size = 0;
    };
    std::vector<Tensor> tensors;
    long adamSteps = 0;
    using Linear = DenoiserLayout::Linear;
    DenoiserLayout layout;

    // The last forward's activations for `rows` rows (what the backward pass needs), and scratch.
    long rows = 0, capacity = 0;
    Buffer features, cIn, cSkip, cOut, embedPre, embedAct, embedding, x, scaled, h, branch, network, f;
    struct BlockTape {
        Buffer normalised, inverseStd, normOut, innerPre, innerAct;
    };
    std::vector<BlockTape> tape;
    Buffer outNormalised, outInverseStd, outPre, outAct;
    Buffer dOut, dNetwork, dh, dA, dB, dEmbedding;

    Device(Denoiser& m, Adam& a) : model(m), adam(a), spec(m.spec()), parameterisation(m.parameterisation()) {}

    const float* value(int tensor) const { return tensors[static_cast<std::size_t>(tensor)].value.data(); }
    float* grad(int tensor) { return tensors[static_cast<std::size_t>(tensor)].grad.data(); }

    void reserve(long count)
    {
        rows = count;
        if (count <= capacity)
            return;
        capacity = count;
        const auto n = static_cast<std::size_t>(count), d = static_cast<std::size_t>(spec.latent), w = static_cast<std::size_t>(spec.hidden);
        const auto e = 2 * static_cast<std::size_t>(spec.embedding);
        features = Buffer(n * e);
        for (Buffer* b : {&cIn, &cSkip, &cOut, &outInverseStd})
            *b = Buffer(n);
        for (Buffer* b : {&x, &scaled, &network, &f, &dOut, &dNetwork})
            *b = Buffer(n * d);
        for (Buffer* b : {&embedPre, &embedAct, &embedding, &h, &branch, &outNormalised, &outPre, &outAct, &dh, &dA, &dB, &dEmbedding})
            *b = Buffer(n * w);
        tape.clear();
        for (int k = 0; k < spec.blocks; ++k) {
            BlockTape t;
            t.inverseStd = Buffer(n);
            for (Buffer* b : {&t.normalised, &t.normOut, &t.innerPre, &t.innerAct})
                *b = Buffer(n * w);
            tape.push_back(std::move(t));
        }
    }

    // y = x·Wᵀ + b (+ add per row), SiLU when asked, keeping the pre-activation in `pre` if given.
    void linear(const float* in, const Linear& layer, float* y, const float* add, bool activate, float* pre)
    {
        linearGemm(blas, in, rows, value(layer.weight), layer.in, layer.out, y);
        biasAddActivate<<<blocksFor(static_cast<std::size_t>(rows) * layer.out), kThreads>>>(y, rows, layer.out, value(layer.weight + 1), add,
                                                                                                add ? layer.out : 0, activate, pre);
        check();
    }

    // A Linear's gradients for dL/dy `dy` of its input `in`; dL/d input into `dIn` when given.
    void linearBackward(const float* dy, const float* in, const Linear& layer, float* dIn)
    {
        weightGradient(blas, dy, in, rows, layer.in, layer.out, grad(layer.weight));
        columnSums<<<blocksFor(static_cast<std::size_t>(layer.out)), kThreads>>>(dy, rows, layer.out, grad(layer.weight + 1));
        if (dIn)
            inputGradient(blas, dy, rows, value(layer.weight), layer.in, layer.out, dIn);
        check();
    }
};

DenoiserTrainingCuda::DenoiserTrainingCuda(Denoiser& model, Adam& adam, int deviceIndex) : device_(std::make_unique<Device>(model, adam))
{
    Device& d = *device_;
    if (d.spec.classes > 0)
        throw ArgumentError("GPU training takes unconditional denoisers (this one is conditioned on " + std::to_string(d.spec.classes) +
                            " classes)");
    LS_CUDA_CHECK(cudaSetDevice(deviceIndex));
    d.blasOwner.emplace();
    d.blas = *d.blasOwner;
    const auto parameters = model.parameters();
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        Device::Tensor t;
        t.size = static_cast<long>(parameters[i]->value.size());
        t.value = uploaded(parameters[i]->value);
        t.grad = Buffer(static_cast<std::size_t>(t.size));
        LS_CUDA_CHECK(cudaMemset(t.grad.data(), 0, static_cast<std::size_t>(t.size) * sizeof(float)));
        t.first = uploaded(adam.firstMoments()[i]);
        t.second = uploaded(adam.secondMoments()[i]);
        d.tensors.push_back(std::move(t));
    }
    d.adamSteps = adam.steps();
    d.layout = denoiserLayout(d.spec);
    LS_CUDA_CHECK(cudaDeviceSynchronize());
}

DenoiserTrainingCuda::~DenoiserTrainingCuda() = default; // the handle and buffers free themselves

Matrix DenoiserTrainingCuda::forward(const Matrix& x, const std::vector<double>& sigmas, const std::vector<int>&)
{
    Device& d = *device_;
    const long count = static_cast<long>(x.rows());
    if (x.cols() != d.spec.latent || static_cast<long>(sigmas.size()) != count)
        throw ArgumentError("the denoiser takes [B, " + std::to_string(d.spec.latent) + "] latents and one σ per row");
    d.reserve(count);
    // Per row: the scalings and the sinusoid of c_noise, computed as Denoiser::forward computes them.
    const int e = d.spec.embedding;
    Matrix sinusoid(count, 2 * e);
    std::vector<float> cIn(static_cast<std::size_t>(count)), cSkip(cIn.size()), cOut(cIn.size());
    for (long r = 0; r < count; ++r) {
        const Scalings c = scalingsAt(sigmas[static_cast<std::size_t>(r)], d.parameterisation);
        cIn[r] = static_cast<float>(c.in);
        cSkip[r] = static_cast<float>(c.skip);
        cOut[r] = static_cast<float>(c.out);
        for (int k = 0; k < e; ++k) {
            const double angle = c.noise * std::pow(10000.0, -static_cast<double>(k) / e);
            sinusoid(r, 2 * k) = static_cast<float>(std::sin(angle));
            sinusoid(r, 2 * k + 1) = static_cast<float>(std::cos(angle));
        }
    }
    d.features.upload(std::span<const float>(sinusoid.data(), static_cast<std::size_t>(sinusoid.size())));
    d.cIn.upload(cIn);
    d.cSkip.upload(cSkip);
    d.cOut.upload(cOut);
    d.x.upload(std::span<const float>(x.data(), static_cast<std::size_t>(x.size())));

    const int width = d.spec.hidden, latent = d.spec.latent;
    d.linear(d.features.data(), d.layout.embedFirst, d.embedAct.data(), nullptr, true, d.embedPre.data());
    d.linear(d.embedAct.data(), d.layout.embedSecond, d.embedding.data(), nullptr, false, nullptr);
    scaleRows<<<blocksFor(static_cast<std::size_t>(count) * latent), kThreads>>>(d.x.data(), d.scaled.data(), count, latent, d.cIn.data(), 0);
    d.linear(d.scaled.data(), d.layout.input, d.h.data(), nullptr, false, nullptr);
    for (int k = 0; k < d.spec.blocks; ++k) {
        const DenoiserLayout::Block& block = d.layout.blocks[static_cast<std::size_t>(k)];
        Device::BlockTape& t = d.tape[static_cast<std::size_t>(k)];
        nonScalingLayerNorm<<<static_cast<unsigned>(count), kThreads>>>(d.h.data(), t.normOut.data(), width, d.value(block.normBias), false,
                                                                        t.normalised.data(), t.inverseStd.data(), nullptr);
        d.linear(t.normOut.data(), block.first, t.innerAct.data(), d.embedding.data(), true, t.innerPre.data());
        linearGemm(d.blas, t.innerAct.data(), count, d.value(block.second.weight), width, width, d.branch.data());
        addBiasedResidual<<<blocksFor(static_cast<std::size_t>(count) * width), kThreads>>>(d.h.data(), d.branch.data(), count, width,
                                                                                            d.value(block.second.weight + 1));
    }
    nonScalingLayerNorm<<<static_cast<unsigned>(count), kThreads>>>(d.h.data(), d.outAct.data(), width, d.value(d.layout.outputNormBias), true,
                                                                    d.outNormalised.data(), d.outInverseStd.data(), d.outPre.data());
    d.linear(d.outAct.data(), d.layout.output, d.network.data(), nullptr, false, nullptr);
    combine<<<blocksFor(static_cast<std::size_t>(count) * latent), kThreads>>>(d.x.data(), d.network.data(), d.f.data(), count, latent,
                                                                              d.cSkip.data(), d.cOut.data(), 0, 0);
    check();
    Matrix result(count, latent);
    d.f.download(std::span<float>(result.data(), static_cast<std::size_t>(result.size())));
    LS_CUDA_CHECK(cudaDeviceSynchronize());
    return result;
}

void DenoiserTrainingCuda::gradients(const Matrix& dOutput)
{
    Device& d = *device_;
    if (dOutput.rows() != d.rows || dOutput.cols() != d.spec.latent)
        throw ArgumentError("dL/d output must have the last forward's shape");
    const long count = d.rows;
    const int width = d.spec.hidden, latent = d.spec.latent;
    const auto hiddenElements = static_cast<std::size_t>(count) * width;
    d.dOut.upload(std::span<const float>(dOutput.data(), static_cast<std::size_t>(dOutput.size())));
    // Output head: f = c_skip·x + c_out·F, F = W·SiLU(LN(h) + β) + b.
    scaleRows<<<blocksFor(static_cast<std::size_t>(count) * latent), kThreads>>>(d.dOut.data(), d.dNetwork.data(), count, latent, d.cOut.data(), 0);
    d.linearBackward(d.dNetwork.data(), d.outAct.data(), d.layout.output, d.dA.data());
    siluBackward<<<blocksFor(hiddenElements), kThreads>>>(d.dA.data(), d.outPre.data(), d.dA.data(), static_cast<long>(hiddenElements));
    columnSums<<<blocksFor(static_cast<std::size_t>(width)), kThreads>>>(d.dA.data(), count, width, d.grad(d.layout.outputNormBias));
    layerNormBackward<<<static_cast<unsigned>(count), kThreads>>>(d.dA.data(), d.outNormalised.data(), d.outInverseStd.data(), d.dh.data(), width,
                                                                  false);
    LS_CUDA_CHECK(cudaMemsetAsync(d.dEmbedding.data(), 0, hiddenElements * sizeof(float)));
    // Blocks, last first: h ← h + W₂·SiLU(W₁·LN(h) + e); dh collects the residual stream's gradient.
    for (int k = d.spec.blocks - 1; k >= 0; --k) {
        const DenoiserLayout::Block& block = d.layout.blocks[static_cast<std::size_t>(k)];
        Device::BlockTape& t = d.tape[static_cast<std::size_t>(k)];
        d.linearBackward(d.dh.data(), t.innerAct.data(), block.second, d.dA.data());
        siluBackward<<<blocksFor(hiddenElements), kThreads>>>(d.dA.data(), t.innerPre.data(), d.dA.data(), static_cast<long>(hiddenElements));
        addInto<<<blocksFor(hiddenElements), kThreads>>>(d.dEmbedding.data(), d.dA.data(), static_cast<long>(hiddenElements));
        d.linearBackward(d.dA.data(), t.normOut.data(), block.first, d.dB.data());
        columnSums<<<blocksFor(static_cast<std::size_t>(width)), kThreads>>>(d.dB.data(), count, width, d.grad(block.normBias));
        layerNormBackward<<<static_cast<unsigned>(count), kThreads>>>(d.dB.data(), t.normalised.data(), t.inverseStd.data(), d.dh.data(), width,
                                                                      true);
    }
    d.linearBackward(d.dh.data(), d.scaled.data(), d.layout.input, nullptr); // x is data: its own gradient is not needed
    // The noise embedding, added inside every block.
    d.linearBackward(d.dEmbedding.data(), d.embedAct.data(), d.layout.embedSecond, d.dA.data());
    siluBackward<<<blocksFor(hiddenElements), kThreads>>>(d.dA.data(), d.embedPre.data(), d.dA.data(), static_cast<long>(hiddenElements));
    d.linearBackward(d.dA.data(), d.features.data(), d.layout.embedFirst, nullptr);
    check();
}

void DenoiserTrainingCuda::step()
{
    Device& d = *device_;
    ++d.adamSteps;
    const float beta1 = d.adam.beta1(), beta2 = d.adam.beta2();
    // As Adam.cpp: the corrections in float.
    const float correction1 = 1.0f - std::pow(beta1, static_cast<float>(d.adamSteps));
    const float correction2 = 1.0f - std::pow(beta2, static_cast<float>(d.adamSteps));
    for (Device::Tensor& t : d.tensors)
        adamUpdate<<<blocksFor(static_cast<std::size_t>(t.size)), kThreads>>>(t.value.data(), t.grad.data(), t.first.data(), t.second.data(), t.size,
                                                                              d.adam.learningRate(), beta1, beta2, d.adam.epsilon(), correction1,
                                                                              correction2);
    check();
}

namespace {
void downloadInto(const Buffer& buffer, Matrix& host)
{
    buffer.download(std::span<float>(host.data(), static_cast<std::size_t>(host.size())));
}
} // namespace

void DenoiserTrainingCuda::synchronise(bool withMoments)
{
    Device& d = *device_;
    const auto parameters = d.model.parameters();
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        downloadInto(d.tensors[i].value, parameters[i]->value);
        if (withMoments) {
            downloadInto(d.tensors[i].first, d.adam.firstMoments()[i]);
            downloadInto(d.tensors[i].second, d.adam.secondMoments()[i]);
        }
    }
    if (withMoments)
        d.adam.setSteps(d.adamSteps);
    LS_CUDA_CHECK(cudaDeviceSynchronize());
}

std::vector<Matrix> DenoiserTrainingCuda::downloadGradients() const
{
    Device& d = *device_;
    std::vector<Matrix> gradients;
    for (const Parameter* p : d.model.parameters()) {
        gradients.emplace_back(p->value.rows(), p->value.cols());
        downloadInto(d.tensors[gradients.size() - 1].grad, gradients.back());
    }
    LS_CUDA_CHECK(cudaDeviceSynchronize());
    return gradients;
}

} // namespace ls::consistency
