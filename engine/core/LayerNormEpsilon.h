#pragma once
// The ε every LayerNorm here adds to the variance: PyTorch's default, so weights trained there
// give the same outputs here (FlatFormer's layers, the consistency denoisers, CPU and CUDA alike).
namespace ls {

inline constexpr float kLayerNormEpsilon = 1e-5f;

} // namespace ls
