#include "DenoiserCuda.h"

#include "DenoiserKernels.cuh"
#include "engine/core/Error.h"
#include "engine/core/cuda/GpuStageTimer.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace ls::consistency {
namespace {

// Euler: slope = (x − D)/σ, proposal = x + (σ_next − σ)·slope.
__global__ void eulerStep(const float* x, const float* denoised, float* slope, float* proposal, long n, float sigma, float step)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    slope[i] = (x[i] - denoised[i]) / sigma;
    proposal[i] = x[i] + step * slope[i];
}

// Heun's correction: proposal = x + (σ_next − σ)·½·(slope + (proposal − D_next)/σ_next).
__global__ void heunCorrection(const float* x, const float* slope, const float* denoisedNext, float* proposal, long n, float next, float step)
{
    const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    const float slopeNext = (proposal[i] - denoisedNext[i]) / next;
    proposal[i] = x[i] + step * 0.5f * (slope[i] + slopeNext);
}

struct LinearOnDevice {
    cuda::DeviceBuffer<float> weight, bias; // [out, in], [out]
    int in = 0, out = 0;
};

} // namespace

struct DenoiserCuda::Device {
    DenoiserSpec spec;
    Parameterisation parameterisation;
    std::optional<cuda::CublasHandle> blasOwner; // made after cudaSetDevice
    cublasHandle_t blas = nullptr;
    LinearOnDevice embedFirst, embedSecond, input, output;
    struct Block {
        cuda::DeviceBuffer<float> normBias;
        LinearOnDevice first, second;
    };
    std::vector<Block> blocks;
    cuda::DeviceBuffer<float> outputNormBias;
    // Work space for `rows` rows.
    long rows = 0;
    cuda::DeviceBuffer<float> scaled, h, t, u, network, features, embedHidden, embedding;
    std::optional<cuda::GpuStageTimer> timer;

    void reserve(long count)
    {
        if (count <= rows)
            return;
        rows = count;
        const auto d = static_cast<std::size_t>(spec.latent), w = static_cast<std::size_t>(spec.hidden), n = static_cast<std::size_t>(count);
        scaled = cuda::DeviceBuffer<float>(n * d);
        network = cuda::DeviceBuffer<float>(n * d);
        h = cuda::DeviceBuffer<float>(n * w);
        t = cuda::DeviceBuffer<float>(n * w);
        u = cuda::DeviceBuffer<float>(n * w);
    }

    // y[rows, out] = x[rows, in] · Wᵀ (bias added by the caller's kernel). Row-major W [out, in] is,
    // in cuBLAS's column-major terms, an in × out matrix: y_colmajor(out × rows) = Wᵀ · x.
    void gemm(const float* x, long count, const LinearOnDevice& layer, float* y)
    {
        linearGemm(blas, x, count, layer.weight.data(), layer.in, layer.out, y);
    }
    void linear(const float* x, long count, const LinearOnDevice& layer, float* y, const float* addRow, bool activate)
    {
        gemm(x, count, layer, y);
        biasAddActivate<<<blocksFor(static_cast<std::size_t>(count) * layer.out), kThreads>>>(y, count, layer.out, layer.bias.data(), addRow, 0,
                                                                                                 activate, nullptr);
        LS_CUDA_CHECK(cudaGetLastError());
    }

    // f(x, σ) (or D(x, σ)) of `count` rows at one σ into `f`.
    void forward(const float* x, long count, double sigma, float* f)
    {
        const Scalings c = scalingsAt(sigma, parameterisation);
        const long n = count * spec.latent;
        // The noise embedding is one row for all (one σ): its sinusoid on the host as the CPU path
        // computes it, its MLP on the device.
        std::vector<float> sinusoid(2 * static_cast<std::size_t>(spec.embedding));
        for (int k = 0; k < spec.embedding; ++k) {
            const double angle = c.noise * std::pow(10000.0, -static_cast<double>(k) / spec.embedding);
            sinusoid[2 * k] = static_cast<float>(std::sin(angle));
            sinusoid[2 * k + 1] = static_cast<float>(std::cos(angle));
        }
        features.upload(sinusoid);
        linear(features.data(), 1, embedFirst, embedHidden.data(), nullptr, true);
        linear(embedHidden.data(), 1, embedSecond, embedding.data(), nullptr, false);

        scaleRows<<<blocksFor(n), kThreads>>>(x, scaled.data(), count, spec.latent, nullptr, static_cast<float>(c.in));
        linear(scaled.data(), count, input, h.data(), nullptr, false);
        const long hidden = count * spec.hidden;
        for (Block& block : blocks) {
            nonScalingLayerNorm<<<static_cast<unsigned>(count), kThreads>>>(h.data(), t.data(), spec.hidden, block.normBias.data(), false, nullptr,
                                                                            nullptr, nullptr);
            linear(t.data(), count, block.first, u.data(), embedding.data(), true);
            gemm(u.data(), count, block.second, t.data());
            addBiasedResidual<<<blocksFor(hidden), kThreads>>>(h.data(), t.data(), count, spec.hidden, block.second.bias.data());
        }
        nonScalingLayerNorm<<<static_cast<unsigned>(count), kThreads>>>(h.data(), t.data(), spec.hidden, outputNormBias.data(), true, nullptr, nullptr,
                                                                        nullptr);
        linear(t.data(), count, output, network.data(), nullptr, false);
        combine<<<blocksFor(n), kThreads>>>(x, network.data(), f, count, spec.latent, nullptr, nullptr, static_cast<float>(c.skip),
                                            static_cast<float>(c.out));
        LS_CUDA_CHECK(cudaGetLastError());
    }

    void begin(const char* stage)
    {
        if (timer)
            timer->begin(stage);
    }
    void end()
    {
        if (timer)
            timer->end();
    }
};

DenoiserCuda::DenoiserCuda(Denoiser& model, int deviceIndex) : device_(std::make_unique<Device>())
{
    Device& d = *device_;
    d.spec = model.spec();
    d.parameterisation = model.parameterisation();
    if (d.spec.classes > 0)
        throw ArgumentError("the GPU sampler takes unconditional denoisers (this one is conditioned on " + std::to_string(d.spec.classes) +
                            " classes)");
    LS_CUDA_CHECK(cudaSetDevice(deviceIndex));
    d.blasOwner.emplace();
    d.blas = *d.blasOwner;
    const auto p = model.parameters();
    const DenoiserLayout layout = denoiserLayout(d.spec);
    auto upload = [&](const DenoiserLayout::Linear& where) {
        LinearOnDevice layer;
        layer.in = where.in;
        layer.out = where.out;
        layer.weight = uploaded(p[static_cast<std::size_t>(where.weight)]->value);
        layer.bias = uploaded(p[static_cast<std::size_t>(where.weight) + 1]->value);
        return layer;
    };
    d.embedFirst = upload(layout.embedFirst);
    d.embedSecond = upload(layout.embedSecond);
    d.input = upload(layout.input);
    for (const DenoiserLayout::Block& where : layout.blocks) {
        Device::Block block;
        block.normBias = uploaded(p[static_cast<std::size_t>(where.normBias)]->value);
        block.first = upload(where.first);
        block.second = upload(where.second);
        d.blocks.push_back(std::move(block));
    }
    d.outputNormBias = uploaded(p[static_cast<std::size_t>(layout.outputNormBias)]->value);
    d.output = upload(layout.output);
    d.features = cuda::DeviceBuffer<float>(2 * static_cast<std::size_t>(d.spec.embedding));
    d.embedHidden = cuda::DeviceBuffer<float>(static_cast<std::size_t>(d.spec.hidden));
    d.embedding = cuda::DeviceBuffer<float>(static_cast<std::size_t>(d.spec.hidden));
    LS_CUDA_CHECK(cudaDeviceSynchronize());
}

DenoiserCuda::~DenoiserCuda() = default; // the handle and buffers free themselves

namespace {
Matrix downloaded(const cuda::DeviceBuffer<float>& buffer, int count, int width)
{
    Matrix result(count, width);
    buffer.download(std::span<float>(result.data(), static_cast<std::size_t>(result.size())));
    LS_CUDA_CHECK(cudaDeviceSynchronize());
    return result;
}
} // namespace

Matrix DenoiserCuda::sampleConsistency(int count, const std::vector<double>& taus, std::uint64_t seed, LatencyRecorder* recorder)
{
    Device& d = *device_;
    const Edm edm;
    const long n = static_cast<long>(count) * d.spec.latent;
    for (const double tau : taus)
        if (!(tau > edm.sigmaMin && tau < edm.sigmaMax))
            throw ArgumentError("a consistency step's τ must lie in (σ_min, σ_max) = (0.002, 80), not " + std::to_string(tau));
    d.reserve(count);
    cuda::DeviceBuffer<float> x(static_cast<std::size_t>(n)), f(static_cast<std::size_t>(n));
    if (recorder)
        d.timer.emplace();
    const double start = recorder ? recorder->nowUs() : 0;
    d.begin("noise");
    fillNormal<<<blocksFor(n), kThreads>>>(x.data(), n, seed, 0, static_cast<float>(edm.sigmaMax));
    d.end();
    d.begin("denoiser");
    d.forward(x.data(), count, edm.sigmaMax, f.data());
    d.end();
    std::uint32_t stream = 1;
    for (const double tau : taus) {
        d.begin("noise");
        addNormal<<<blocksFor(n), kThreads>>>(f.data(), n, seed, stream++, static_cast<float>(std::sqrt(tau * tau - edm.sigmaMin * edm.sigmaMin)));
        d.end();
        d.begin("denoiser");
        d.forward(f.data(), count, tau, x.data());
        d.end();
        std::swap(x, f);
    }
    LS_CUDA_CHECK(cudaGetLastError());
    Matrix result = downloaded(f, count, d.spec.latent);
    if (recorder) {
        d.timer->commit(*recorder, start);
        d.timer.reset();
    }
    return result;
}

Matrix DenoiserCuda::sampleDiffusion(int count, int steps, bool heun, std::uint64_t seed, LatencyRecorder* recorder)
{
    Device& d = *device_;
    if (steps < 1)
        throw ArgumentError("the diffusion sampler needs at least one step");
    std::vector<double> sigmas = steps > 1 ? karrasSigmas(steps) : std::vector<double>{Edm{}.sigmaMax};
    std::reverse(sigmas.begin(), sigmas.end());
    sigmas.push_back(0.0);
    const long n = static_cast<long>(count) * d.spec.latent;
    d.reserve(count);
    cuda::DeviceBuffer<float> x(static_cast<std::size_t>(n)), denoised(static_cast<std::size_t>(n)), slope(static_cast<std::size_t>(n)),
        proposal(static_cast<std::size_t>(n));
    if (recorder)
        d.timer.emplace();
    const double start = recorder ? recorder->nowUs() : 0;
    d.begin("noise");
    fillNormal<<<blocksFor(n), kThreads>>>(x.data(), n, seed, 0, static_cast<float>(sigmas.front()));
    d.end();
    for (std::size_t i = 0; i + 1 < sigmas.size(); ++i) {
        const double sigma = sigmas[i], next = sigmas[i + 1];
        d.begin("denoiser");
        d.forward(x.data(), count, sigma, denoised.data());
        d.end();
        d.begin("update");
        eulerStep<<<blocksFor(n), kThreads>>>(x.data(), denoised.data(), slope.data(), proposal.data(), n, static_cast<float>(sigma),
                                              static_cast<float>(next - sigma));
        d.end();
        if (heun && next > 0) {
            d.begin("denoiser");
            d.forward(proposal.data(), count, next, denoised.data());
            d.end();
            d.begin("update");
            heunCorrection<<<blocksFor(n), kThreads>>>(x.data(), slope.data(), denoised.data(), proposal.data(), n, static_cast<float>(next),
                                                       static_cast<float>(next - sigma));
            d.end();
        }
        std::swap(x, proposal);
    }
    LS_CUDA_CHECK(cudaGetLastError());
    Matrix result = downloaded(x, count, d.spec.latent);
    if (recorder) {
        d.timer->commit(*recorder, start);
        d.timer.reset();
    }
    return result;
}

} // namespace ls::consistency
