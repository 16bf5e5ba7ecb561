#pragma once
// Adam (Kingma & Ba) with bias correction, over a set of Parameters; per-parameter learning rates
// are not needed here, one rate per optimiser is.
#include "Layers.h"

#include <vector>

namespace ls::consistency {

template <class S> class AdamOf {
public:
    explicit AdamOf(std::vector<ParameterOf<S>*> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
                    float epsilon = 1e-8f);
    void zeroGrad();
    void step(); // applies the accumulated gradients
    void setLearningRate(float rate) { rate_ = rate; }
    float learningRate() const { return rate_; }
    float beta1() const { return beta1_; }
    float beta2() const { return beta2_; }
    float epsilon() const { return epsilon_; }
    long steps() const { return steps_; }

    // The moments, for checkpoints (resume continues exactly).
    std::vector<MatrixOf<S>>& firstMoments() { return m_; }
    std::vector<MatrixOf<S>>& secondMoments() { return v_; }
    void setSteps(long steps) { steps_ = steps; }

private:
    std::vector<ParameterOf<S>*> parameters_;
    std::vector<MatrixOf<S>> m_, v_;
    float rate_, beta1_, beta2_, epsilon_;
    long steps_ = 0;
};
using Adam = AdamOf<float>;

} // namespace ls::consistency
