#include "Adam.h"

#include <cmath>

namespace ls::consistency {

template <class S>
AdamOf<S>::AdamOf(std::vector<ParameterOf<S>*> parameters, float learningRate, float beta1, float beta2, float epsilon)
    : parameters_(std::move(parameters)), rate_(learningRate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon)
{
    for (const ParameterOf<S>* p : parameters_) {
        m_.push_back(MatrixOf<S>::Zero(p->value.rows(), p->value.cols()));
        v_.push_back(MatrixOf<S>::Zero(p->value.rows(), p->value.cols()));
    }
}

template <class S> void AdamOf<S>::zeroGrad()
{
    for (ParameterOf<S>* p : parameters_)
        p->zeroGrad();
}

template <class S> void AdamOf<S>::step()
{
    ++steps_;
    const S beta1 = beta1_, beta2 = beta2_, rate = rate_, epsilon = epsilon_;
    const S correction1 = S(1) - std::pow(beta1, static_cast<S>(steps_));
    const S correction2 = S(1) - std::pow(beta2, static_cast<S>(steps_));
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        ParameterOf<S>& p = *parameters_[i];
        m_[i] = beta1 * m_[i] + (S(1) - beta1) * p.grad;
        v_[i] = beta2 * v_[i] + (S(1) - beta2) * p.grad.cwiseProduct(p.grad);
        p.value.array() -= rate * (m_[i].array() / correction1) / ((v_[i].array() / correction2).sqrt() + epsilon);
    }
}

template class AdamOf<float>;
template class AdamOf<double>;

} // namespace ls::consistency
