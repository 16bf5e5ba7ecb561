#pragma once
// The few layers the latent consistency engine's networks are made of, with explicit backward
// passes (no autograd): batches are rows of row-major Eigen matrices. Each layer keeps what its
// backward needs from the last forward; gradients accumulate into Parameter::grad. The engine runs
// them in float; the tests also instantiate double, to check gradients by finite differences
// without float rounding swamping the differences.
#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

namespace ls::consistency {

template <class S> using MatrixOf = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Matrix = MatrixOf<float>;

template <class S> struct ParameterOf {
    std::string name; // checkpoint tensor name, "encoder.hidden.weight"
    MatrixOf<S> value, grad;
    void zeroGrad() { grad.setZero(value.rows(), value.cols()); }
};
using Parameter = ParameterOf<float>;

// y = x·Wᵀ + b with W [out, in] (PyTorch's layout), initialised like torch.nn.Linear: U(±1/√in).
template <class S> class LinearOf {
public:
    LinearOf(std::string name, int in, int out, std::uint64_t seed);
    MatrixOf<S> forward(const MatrixOf<S>& x);
    MatrixOf<S> backward(const MatrixOf<S>& dy); // returns dL/dx; adds dL/dW, dL/db
    std::vector<ParameterOf<S>*> parameters() { return {&weight, &bias}; }
    ParameterOf<S> weight, bias; // [out, in], [1, out]

private:
    MatrixOf<S> input_;
};
using Linear = LinearOf<float>;

// ReLU, SiLU (x·sigmoid(x)) and leaky ReLU (slope 0.01), element-wise.
enum class ActivationKind { Relu, Silu, LeakyRelu };
template <class S> class ActivationOf {
public:
    explicit ActivationOf(ActivationKind kind) : kind_(kind) {}
    MatrixOf<S> forward(const MatrixOf<S>& x);
    MatrixOf<S> backward(const MatrixOf<S>& dy) const;

private:
    ActivationKind kind_;
    MatrixOf<S> input_;
};
using Activation = ActivationOf<float>;

// LayerNorm without a learned scale (sLCT's non-scaling LayerNorm): y = (x − mean) / √(var + ε) + β.
template <class S> class NonScalingLayerNormOf {
public:
    NonScalingLayerNormOf(std::string name, int width);
    MatrixOf<S> forward(const MatrixOf<S>& x);
    MatrixOf<S> backward(const MatrixOf<S>& dy);
    std::vector<ParameterOf<S>*> parameters() { return {&bias}; }
    ParameterOf<S> bias; // [1, width]

private:
    MatrixOf<S> normalised_;
    Eigen::Matrix<S, Eigen::Dynamic, 1> inverseStd_;
};
using NonScalingLayerNorm = NonScalingLayerNormOf<float>;

} // namespace ls::consistency
