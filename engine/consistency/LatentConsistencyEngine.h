#pragma once
// The latent consistency engine: in one run, trains the feature classifier, the autoencoder that
// gives the latent space, a consistency model (improved recipe, switchable) and the EDM diffusion
// baseline on the same network, then samples with 1, 2 … N consistency steps and Euler at several
// step counts from the same seeds, and reports Fréchet distance against milliseconds per sample.
#include "engine/core/Engine.h"

namespace ls::consistency {

class LatentConsistencyEngine final : public Engine {
public:
    std::string id() const override { return "consistency.latent"; }
    std::string displayName() const override { return "Latent consistency sampling"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return false; } // CPU (Eigen) only so far
    RepeatAdvice repeatAdvice() const override { return {1, 0}; } // a run trains its models: once, unwarmed
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json& parameters) const override;
};

// "1, 2,4" → {1, 2, 4}; throws ArgumentError naming `what` on anything else.
std::vector<int> parseStepList(const std::string& text, const std::string& what);

} // namespace ls::consistency
