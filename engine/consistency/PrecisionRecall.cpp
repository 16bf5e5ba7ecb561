#include "PrecisionRecall.h"

#include "engine/core/Error.h"

#include <algorithm>

namespace ls::consistency {

namespace {

// Squared Euclidean distances between the rows of a [N, F] and b [M, F], in double.
Eigen::MatrixXd squaredDistances(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b)
{
    const Eigen::VectorXd aa = a.rowwise().squaredNorm(), bb = b.rowwise().squaredNorm();
    Eigen::MatrixXd d = -2.0 * a * b.transpose();
    d.colwise() += aa;
    d.rowwise() += bb.transpose();
    return d.cwiseMax(0.0); // round-off can dip below zero
}

// Squared radius of each row's ball: the distance to its k-th nearest other row.
Eigen::VectorXd kthNeighbourRadii(const Eigen::MatrixXd& x, int k)
{
    const Eigen::MatrixXd d = squaredDistances(x, x);
    Eigen::VectorXd radii(x.rows());
    std::vector<double> row(static_cast<std::size_t>(x.rows()));
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        for (Eigen::Index j = 0; j < x.rows(); ++j)
            row[static_cast<std::size_t>(j)] = d(i, j);
        // row[i] = 0 is the point itself: the k-th neighbour is the (k + 1)-th smallest.
        std::nth_element(row.begin(), row.begin() + k, row.end());
        radii(i) = row[static_cast<std::size_t>(k)];
    }
    return radii;
}

// Share of rows of `queries` inside at least one ball (centres, squared radii).
double coveredShare(const Eigen::MatrixXd& queries, const Eigen::MatrixXd& centres, const Eigen::VectorXd& radii)
{
    const Eigen::MatrixXd d = squaredDistances(queries, centres);
    Eigen::Index inside = 0;
    for (Eigen::Index q = 0; q < d.rows(); ++q)
        inside += ((d.row(q).transpose().array() <= radii.array()).any()) ? 1 : 0;
    return static_cast<double>(inside) / static_cast<double>(queries.rows());
}

} // namespace

PrecisionRecall precisionRecall(const Matrix& realFeatures, const Matrix& generatedFeatures, int k)
{
    if (k < 1 || realFeatures.rows() <= k || generatedFeatures.rows() <= k || realFeatures.cols() != generatedFeatures.cols())
        throw ArgumentError("precision and recall need more than k = " + std::to_string(k) + " samples in each set, of equal width");
    const Eigen::MatrixXd real = realFeatures.cast<double>(), generated = generatedFeatures.cast<double>();
    return {coveredShare(generated, real, kthNeighbourRadii(real, k)), coveredShare(real, generated, kthNeighbourRadii(generated, k))};
}

} // namespace ls::consistency
