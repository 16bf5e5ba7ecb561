#pragma once
// The feature network for Fréchet distances: an MLP classifier 784 → 256 → 128 → 10 (ReLU,
// softmax cross-entropy) trained on Fashion-MNIST by the engine; its 128 penultimate activations
// are the features. Documented with its test accuracy wherever a distance is reported.
#include "Adam.h"
#include "Layers.h"

#include <cstdint>
#include <vector>

namespace ls::consistency {

class FeatureClassifier {
public:
    static constexpr int kFeatures = 128;
    explicit FeatureClassifier(std::uint64_t seed = 1);

    // One Adam step of cross-entropy on images [B, 784] with labels; returns the batch's mean loss.
    double trainStep(const Matrix& images, const std::vector<std::uint8_t>& labels, Adam& optimiser);
    Matrix features(const Matrix& images); // [B, 128]
    std::vector<int> predict(const Matrix& images);
    double accuracy(const Matrix& images, const std::vector<std::uint8_t>& labels);
    std::vector<Parameter*> parameters();

private:
    Matrix logits(const Matrix& images);
    Linear first_, second_, output_;
    Activation firstActivation_{ActivationKind::Relu}, secondActivation_{ActivationKind::Relu};
};

} // namespace ls::consistency
