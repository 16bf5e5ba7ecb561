#pragma once
// The latent consistency engines (plugin "consistency"):
//  - consistency.latent: the whole study in one run: trains the models (LatentTraining.h), then
//    compares the samplers (SamplerComparison.h) and shows gallery, frontier, latents, curves;
//  - consistency.lcm-train: trains (or resumes) and hands back a checkpoint .npz;
//  - consistency.lcm-sample: samples a checkpoint with one sampler: images and latents;
//  - consistency.lcm-eval: compares the samplers of a checkpoint: Fréchet distances and latency.
#include "engine/core/Engine.h"

namespace ls::consistency {

class LatentConsistencyEngine final : public Engine {
public:
    std::string id() const override { return "consistency.latent"; }
    std::string displayName() const override { return "Latent consistency sampling"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return LS_HAS_CUDA != 0; } // the denoisers' training and sampling
    RepeatAdvice repeatAdvice() const override { return {1, 0}; } // a run trains its models: once, unwarmed
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json& parameters) const override;
};

class LcmTrainEngine final : public Engine {
public:
    std::string id() const override { return "consistency.lcm-train"; }
    std::string displayName() const override { return "Latent consistency: train"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return LS_HAS_CUDA != 0; } // the denoisers (DenoiserTrainingCuda.h)
    RepeatAdvice repeatAdvice() const override { return {1, 0}; }
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
};

class LcmSampleEngine final : public Engine {
public:
    std::string id() const override { return "consistency.lcm-sample"; }
    std::string displayName() const override { return "Latent consistency: sample"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return LS_HAS_CUDA != 0; }
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
};

class LcmEvalEngine final : public Engine {
public:
    std::string id() const override { return "consistency.lcm-eval"; }
    std::string displayName() const override { return "Latent consistency: evaluate"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return LS_HAS_CUDA != 0; }
    RepeatAdvice repeatAdvice() const override { return {1, 0}; }
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json& parameters) const override;
};

} // namespace ls::consistency
