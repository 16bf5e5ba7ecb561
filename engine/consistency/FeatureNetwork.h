#pragma once
// The one fixed feature network behind every Fréchet distance, precision and recall that the latent
// consistency engines report: a FeatureClassifier (784 → 256 → 128 → 10) trained once, seeded, on
// all 60,000 Fashion-MNIST training images by `ls-train-fd-features`, shipped as
// assets/consistency/fd-features.npz with its SHA-256 beside it, and compiled into the engine. A
// network retrained per run would make distances comparable only within that run (each run's
// classifier sees different features); this one makes them comparable across checkpoints, runs and
// machines. docs/latent-consistency.md gives its accuracy and checksum.
#include "FeatureClassifier.h"
#include "engine/core/Npz.h"

#include <cstdint>
#include <string>

namespace ls::consistency {

struct FeatureNetworkFacts {
    std::uint64_t seed = 0;
    std::int64_t steps = 0, trainImages = 0;
    int batch = 0;
    double learningRate = 0;
    double testAccuracy = 0; // on all 10,000 test images
    std::string sha256;      // of the .npz file (bundled one: checked against the committed checksum at configure time)
};

NpzArchive featureNetworkArchive(FeatureClassifier& network, const FeatureNetworkFacts& facts);
FeatureClassifier featureNetworkFrom(const NpzArchive& archive, const std::string& source, FeatureNetworkFacts* facts = nullptr);

// The bundled network: a fresh copy per call (features() keeps activations for a backward pass, so
// one instance is not shared between threads). Throws FormatError if the compiled-in bytes do not
// parse (a build from a damaged asset).
FeatureClassifier bundledFeatureNetwork();
const FeatureNetworkFacts& bundledFeatureNetworkFacts();
std::string featureNetworkLabel(); // "fd-features 1a2b3c4d5e6f (test accuracy 0.889)", for tables and reports

} // namespace ls::consistency
