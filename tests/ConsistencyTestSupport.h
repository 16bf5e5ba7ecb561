#pragma once
// Random matrices for the latent consistency suites (seeded through TestSupport.h's generator).
#include "TestSupport.h"
#include "engine/consistency/Layers.h"

namespace ls::test {

template <class S = float> consistency::MatrixOf<S> randomMatrix(Eigen::Index rows, Eigen::Index cols, float low = -1, float high = 1)
{
    consistency::MatrixOf<S> m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = static_cast<S>(uniform(low, high));
    return m;
}

} // namespace ls::test
