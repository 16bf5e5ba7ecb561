#pragma once
// The newest GSpaRC code's confidence-weighted loss (DUSt3R's Eq. 4): a step's reconstruction
// loss L becomes C·L − α·log C, with C = 1 + exp(MLP(receiver position)) > 1 from a small network
// (3 → hidden → 1, ReLU; Xavier-uniform weights, zero biases, so C starts near 2) trained with the
// field. The network can lower C where the loss stays high, and pays α·log C for it.
//
// With one receiver pose per dataset (every layout we load), C is one number per step: it scales
// every field gradient alike, and moves toward α / L. Adam divides each gradient by its running
// size, so a steady factor changes little; docs/gsparc.md measures what it does.
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ls::rf {

struct ConfidenceNetwork {
    int hidden = 0; // 0: no confidence weighting
    std::vector<float> w1; // [hidden, 3]
    std::vector<float> b1; // [hidden]
    std::vector<float> w2; // [hidden]
    std::vector<float> b2; // [1]

    bool enabled() const { return hidden > 0; }
    // Named as in a checkpoint ("confidence_" + name), in Adam's order.
    std::vector<std::pair<std::string, std::vector<float>*>> parameterArrays();
    std::vector<std::pair<std::string, const std::vector<float>*>> parameterArrays() const;
    ConfidenceNetwork zerosLike() const;
};

// The reference's defaults: 32 hidden units, α = 0.3, its own Adam rate 1e-3 (constant).
inline constexpr int kConfidenceHidden = 32;
inline constexpr double kConfidenceAlpha = 0.3, kConfidenceRate = 1e-3;

ConfidenceNetwork initialConfidenceNetwork(int hidden, std::uint64_t seed);

// C at a receiver position.
double confidenceAt(const ConfidenceNetwork& network, const std::array<double, 3>& receiver);

struct ConfidenceStep {
    double confidence = 1;   // C
    double weightedLoss = 0; // C·L − α·log C
    ConfidenceNetwork gradient; // d(weighted loss)/d(network's parameters)
};
// The weighted loss of reconstruction loss `loss` at `receiver`, and its gradient to the network.
// The field's gradient is C times the reconstruction loss's.
ConfidenceStep confidenceStep(const ConfidenceNetwork& network, const std::array<double, 3>& receiver, double loss, double alpha);

} // namespace ls::rf
