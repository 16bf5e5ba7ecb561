#pragma once
// The CPU layer's hot loops (GEMMs, a group's softmax attention, LayerNorm, GELU), compiled twice:
// for the baseline x86-64 instruction set (LayerKernelsBaseline.cpp) and for AVX2 + FMA
// (LayerKernelsAvx2.cpp), and picked once at run time by what the CPU supports. One binary thus
// runs on older CPUs and uses 8-wide FMA where it can. LATENCY_STUDIO_ISA=baseline forces the
// baseline (tests compare the two; benchmarks measure what AVX2 brings).
//
// Each kernel is single-threaded: the callers split rows or groups over threads.
#include <cstddef>

namespace ls::pointcloud {

struct LayerKernels {
    const char* isa; // "AVX2+FMA" or "x86-64 baseline"
    // y[rows, out] = x[rows, in] · Wᵀ + b, W [out, in] (PyTorch's Linear layout).
    void (*linear)(const float* x, std::size_t rows, int in, const float* weight, const float* bias, int out, float* y);
    // One group and head: weights[rows, keys] = softmax over keys of q·kᵀ·scale, for q [rows, D]
    // and k [keys, D] whose rows are `stride` floats apart (a head's columns of the slot rows).
    void (*attentionWeights)(const float* q, const float* k, int rows, int keys, int headDim, int stride, float scale,
                             float* weights);
    // out[rows, D] (rows `stride` apart) = weights[rows, keys] · v[keys, D] (rows `stride` apart).
    void (*weightedValues)(const float* weights, const float* v, int rows, int keys, int headDim, int stride, float* out);
    // In place, per row: (x − mean)/√(var + 1e-5)·scale + bias (PyTorch's LayerNorm).
    void (*layerNorm)(float* x, std::size_t rows, int channels, const float* scale, const float* bias);
    // In place: the exact (erf) GELU, PyTorch's default, with Eigen's vectorised erf.
    void (*gelu)(float* x, std::size_t count);
};

namespace baseline {
const LayerKernels& layerKernels();
}
namespace avx2 {
const LayerKernels& layerKernels(); // only call where the CPU has AVX2 and FMA
}

// AVX2 + FMA where the CPU has both (and the build has the variant), else the baseline.
const LayerKernels& layerKernels();
bool cpuHasAvx2Fma();

} // namespace ls::pointcloud
