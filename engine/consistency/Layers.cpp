#include "Layers.h"

#include "engine/core/CounterRng.h"
#include "engine/core/LayerNormEpsilon.h"
#include "engine/core/Sigmoid.h"

#include <cmath>

namespace ls::consistency {

template <class S> LinearOf<S>::LinearOf(std::string name, int in, int out, std::uint64_t seed)
{
    weight.name = name + ".weight";
    bias.name = name + ".bias";
    const S bound = S(1) / std::sqrt(static_cast<S>(in));
    weight.value.resize(out, in);
    bias.value.resize(1, out);
    std::uint64_t index = 0;
    for (Eigen::Index i = 0; i < weight.value.size(); ++i)
        weight.value.data()[i] = (2 * static_cast<S>(rng::uniform(seed, index++, 11)) - 1) * bound;
    for (Eigen::Index i = 0; i < bias.value.size(); ++i)
        bias.value.data()[i] = (2 * static_cast<S>(rng::uniform(seed, index++, 11)) - 1) * bound;
    weight.zeroGrad();
    bias.zeroGrad();
}

template <class S> MatrixOf<S> LinearOf<S>::forward(const MatrixOf<S>& x)
{
    input_ = x;
    MatrixOf<S> y = x * weight.value.transpose();
    y.rowwise() += bias.value.row(0);
    return y;
}

template <class S> MatrixOf<S> LinearOf<S>::backward(const MatrixOf<S>& dy)
{
    weight.grad.noalias() += dy.transpose() * input_;
    bias.grad.row(0) += dy.colwise().sum();
    return dy * weight.value;
}

template <class S> MatrixOf<S> ActivationOf<S>::forward(const MatrixOf<S>& x)
{
    input_ = x;
    switch (kind_) {
    case ActivationKind::Relu: return x.cwiseMax(S(0));
    case ActivationKind::LeakyRelu: return x.unaryExpr([](S v) { return v > 0 ? v : S(0.01) * v; });
    case ActivationKind::Silu: return x.unaryExpr([](S v) { return v / (S(1) + std::exp(-v)); }); // v·σ(v), one rounding less
    }
    return x;
}

template <class S> MatrixOf<S> ActivationOf<S>::backward(const MatrixOf<S>& dy) const
{
    switch (kind_) {
    case ActivationKind::Relu: return dy.cwiseProduct(input_.unaryExpr([](S v) { return v > 0 ? S(1) : S(0); }));
    case ActivationKind::LeakyRelu: return dy.cwiseProduct(input_.unaryExpr([](S v) { return v > 0 ? S(1) : S(0.01); }));
    case ActivationKind::Silu:
        return dy.cwiseProduct(input_.unaryExpr([](S v) {
            const S s = sigmoid(v);
            return s * (S(1) + v * (S(1) - s));
        }));
    }
    return dy;
}

template <class S> NonScalingLayerNormOf<S>::NonScalingLayerNormOf(std::string name, int width)
{
    bias.name = std::move(name) + ".bias";
    bias.value = MatrixOf<S>::Zero(1, width);
    bias.zeroGrad();
}

template <class S> MatrixOf<S> NonScalingLayerNormOf<S>::forward(const MatrixOf<S>& x)
{
    constexpr S kEpsilon = S(kLayerNormEpsilon); // PyTorch's default
    normalised_.resize(x.rows(), x.cols());
    inverseStd_.resize(x.rows());
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        const S mean = x.row(r).mean();
        const S variance = (x.row(r).array() - mean).square().mean();
        inverseStd_[r] = S(1) / std::sqrt(variance + kEpsilon);
        normalised_.row(r) = (x.row(r).array() - mean) * inverseStd_[r];
    }
    MatrixOf<S> y = normalised_;
    y.rowwise() += bias.value.row(0);
    return y;
}

template <class S> MatrixOf<S> NonScalingLayerNormOf<S>::backward(const MatrixOf<S>& dy)
{
    bias.grad.row(0) += dy.colwise().sum();
    // dx = (dy − mean(dy) − x̂·mean(dy ⊙ x̂)) / σ per row.
    MatrixOf<S> dx(dy.rows(), dy.cols());
    for (Eigen::Index r = 0; r < dy.rows(); ++r) {
        const S meanDy = dy.row(r).mean();
        const S meanDyX = dy.row(r).cwiseProduct(normalised_.row(r)).mean();
        dx.row(r) = (dy.row(r).array() - meanDy - normalised_.row(r).array() * meanDyX) * inverseStd_[r];
    }
    return dx;
}

template class LinearOf<float>;
template class LinearOf<double>;
template class ActivationOf<float>;
template class ActivationOf<double>;
template class NonScalingLayerNormOf<float>;
template class NonScalingLayerNormOf<double>;

} // namespace ls::consistency
