#include "LinearAssignment.h"

#include "engine/core/Error.h"

#include <algorithm>
#include <limits>

namespace ls::consistency {

std::vector<int> solveLinearAssignment(std::span<const double> cost, int n)
{
    if (n < 0 || cost.size() != static_cast<std::size_t>(n) * n)
        throw ArgumentError("an assignment needs an n × n cost matrix");
    // Rows and columns are numbered from 1; column 0 is a virtual start holding the row being added.
    // rowPotential[i] + columnPotential[j] ≤ cost(i, j) throughout; tight edges form the matching.
    constexpr double kInfinity = std::numeric_limits<double>::infinity();
    std::vector<double> rowPotential(n + 1, 0.0), columnPotential(n + 1, 0.0);
    std::vector<int> rowOfColumn(n + 1, 0), previousColumn(n + 1, 0);
    auto at = [&](int row, int column) { return cost[static_cast<std::size_t>(row - 1) * n + (column - 1)]; };
    for (int row = 1; row <= n; ++row) {
        rowOfColumn[0] = row;
        int column = 0;
        std::vector<double> slack(n + 1, kInfinity);
        std::vector<bool> visited(n + 1, false);
        do { // grow the tree of tight edges until it reaches a free column
            visited[column] = true;
            const int current = rowOfColumn[column];
            double delta = kInfinity;
            int next = 0;
            for (int j = 1; j <= n; ++j) {
                if (visited[j])
                    continue;
                const double reduced = at(current, j) - rowPotential[current] - columnPotential[j];
                if (reduced < slack[j]) {
                    slack[j] = reduced;
                    previousColumn[j] = column;
                }
                if (slack[j] < delta) {
                    delta = slack[j];
                    next = j;
                }
            }
            for (int j = 0; j <= n; ++j) {
                if (visited[j]) {
                    rowPotential[rowOfColumn[j]] += delta;
                    columnPotential[j] -= delta;
                } else {
                    slack[j] -= delta;
                }
            }
            column = next;
        } while (rowOfColumn[column] != 0);
        do { // flip the augmenting path back to the start
            const int previous = previousColumn[column];
            rowOfColumn[column] = rowOfColumn[previous];
            column = previous;
        } while (column != 0);
    }
    std::vector<int> assignment(n);
    for (int j = 1; j <= n; ++j)
        assignment[rowOfColumn[j] - 1] = j - 1;
    return assignment;
}

void coupleNoiseToData(std::span<const float> data, std::vector<float>& noise, int n, int dimensions)
{
    const std::size_t d = static_cast<std::size_t>(dimensions);
    if (data.size() != n * d || noise.size() != n * d)
        throw ArgumentError("data and noise must both be [n, dimensions]");
    std::vector<double> cost(static_cast<std::size_t>(n) * n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            double squares = 0;
            for (std::size_t k = 0; k < d; ++k) {
                const double difference = static_cast<double>(data[i * d + k]) - noise[j * d + k];
                squares += difference * difference;
            }
            cost[static_cast<std::size_t>(i) * n + j] = squares;
        }
    const auto assignment = solveLinearAssignment(cost, n);
    std::vector<float> coupled(noise.size());
    for (int i = 0; i < n; ++i)
        std::copy_n(noise.begin() + static_cast<std::ptrdiff_t>(assignment[i] * d), d, coupled.begin() + static_cast<std::ptrdiff_t>(i * d));
    noise = std::move(coupled);
}

} // namespace ls::consistency
