#pragma once
// Improved precision and recall (Kynkäänniemi et al., NeurIPS 2019) in a feature space: the
// Fréchet distance mixes fidelity and diversity into one number; these separate them.
//   precision: share of generated samples inside the k-NN ball of some real sample (fidelity);
//   recall:    share of real samples inside the k-NN ball of some generated sample (coverage).
// A ball's radius is the distance to the centre's k-th nearest neighbour within its own set.
#include "Layers.h"

namespace ls::consistency {

struct PrecisionRecall {
    double precision = 0, recall = 0;
};

// Rows are samples; both sets need more than k rows. O(N·M) distances, fine for a few thousand.
PrecisionRecall precisionRecall(const Matrix& realFeatures, const Matrix& generatedFeatures, int k = 3);

} // namespace ls::consistency
