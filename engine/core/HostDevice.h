#pragma once
// LS_HOST_DEVICE marks small functions compiled for both the CPU and CUDA, so that an engine's two
// paths share their per-element math (and a host test can run a kernel's body step by step).
#if defined(__CUDACC__)
#define LS_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define LS_HOST_DEVICE inline __attribute__((always_inline)) // hot per-element math: inline into the loops
#endif
