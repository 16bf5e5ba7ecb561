// LayerKernels.h for the baseline x86-64 instruction set (SSE2), what every x86-64 CPU runs.
#define LS_LAYER_KERNELS_NAMESPACE baseline
#define LS_LAYER_KERNELS_ISA "x86-64 baseline"
#include "LayerKernelsImpl.inc"
