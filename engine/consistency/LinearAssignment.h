#pragma once
// Exact minimum-cost assignment (the Hungarian method with potentials, shortest augmenting paths,
// O(n³)), for the minibatch optimal-transport coupling of noise and data: with cost[i, j] =
// ‖x_i − z_j‖², pairing x_i with z_assignment[i] minimises the total squared distance.
#include <span>
#include <vector>

namespace ls::consistency {

// `cost` is n × n, row-major. Returns assignment[row] = column; every column used once.
std::vector<int> solveLinearAssignment(std::span<const double> cost, int n);

// Reorders `noise` [n, dimensions] so that row i is the noise assigned to data row i.
void coupleNoiseToData(std::span<const float> data, std::vector<float>& noise, int n, int dimensions);

} // namespace ls::consistency
