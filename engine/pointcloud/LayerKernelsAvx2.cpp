// LayerKernels.h for AVX2 + FMA: this file alone is compiled with -mavx2 -mfma (CMakeLists.txt).
// Eigen's namespace is renamed here, so its templates instantiated for AVX2 get names of their own
// and can never stand in for the baseline's instantiations at link time (the one-definition rule
// would otherwise let the linker keep either copy).
#define Eigen EigenAvx2
#define LS_LAYER_KERNELS_NAMESPACE avx2
#define LS_LAYER_KERNELS_ISA "AVX2+FMA"
#include "LayerKernelsImpl.inc"
