#include "FrechetDistance.h"

#include "engine/core/Error.h"

#include <Eigen/Eigenvalues>

namespace ls::consistency {

namespace {

Eigen::MatrixXd symmetricSquareRoot(const Eigen::MatrixXd& m)
{
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(0.5 * (m + m.transpose()));
    const Eigen::VectorXd roots = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt();
    return solver.eigenvectors() * roots.asDiagonal() * solver.eigenvectors().transpose();
}

} // namespace

FeatureGaussian fitGaussian(const Matrix& features)
{
    if (features.rows() < 2)
        throw ArgumentError("a Gaussian fit needs at least two feature rows");
    const Eigen::MatrixXd x = features.cast<double>();
    FeatureGaussian g;
    g.mean = x.colwise().mean().transpose();
    const Eigen::MatrixXd centred = x.rowwise() - g.mean.transpose();
    g.covariance = centred.transpose() * centred / static_cast<double>(x.rows() - 1);
    return g;
}

double frechetDistance(const FeatureGaussian& a, const FeatureGaussian& b)
{
    if (a.mean.size() != b.mean.size())
        throw ArgumentError("Fréchet distance of features of different widths");
    const Eigen::MatrixXd rootA = symmetricSquareRoot(a.covariance);
    const Eigen::MatrixXd product = rootA * b.covariance * rootA;
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(0.5 * (product + product.transpose()), Eigen::EigenvaluesOnly);
    const double crossTrace = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
    return (a.mean - b.mean).squaredNorm() + a.covariance.trace() + b.covariance.trace() - 2 * crossTrace;
}

} // namespace ls::consistency
