#pragma once
// Fréchet distance between two Gaussians fitted to feature sets (the FID recipe, here on the
// features of a small Fashion-MNIST classifier, FeatureClassifier.h):
//   FD = ‖μ₁ − μ₂‖² + tr(Σ₁) + tr(Σ₂) − 2·tr((Σ₁^½ Σ₂ Σ₁^½)^½)
// with the square roots from symmetric eigen-decompositions (negative round-off clamped to 0).
#include "Layers.h"

#include <Eigen/Core>

namespace ls::consistency {

struct FeatureGaussian {
    Eigen::VectorXd mean;
    Eigen::MatrixXd covariance; // unbiased (n − 1)
};

FeatureGaussian fitGaussian(const Matrix& features); // rows are samples; needs ≥ 2
double frechetDistance(const FeatureGaussian& a, const FeatureGaussian& b);

} // namespace ls::consistency
