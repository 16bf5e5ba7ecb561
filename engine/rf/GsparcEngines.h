#pragma once
// The GSpaRC engines the RF plugin registers:
//   rf.gsparc-train   trains a field on a dataset folder, scores held-out spectra against the
//                     nearest-position baselines, hands over the checkpoint (checkpoint.npz)
//   rf.gsparc-eval    scores a checkpoint on a split of a dataset (per-sample metrics, spectra)
//   rf.gsparc-cv      cross-validates the training recipe: random folds and spatial blocks, with
//                     the baselines on the same folds and bootstrap intervals
//   rf.gsparc-render  renders the spectrum a checkpoint predicts for one transmitter position
//   rf.multipath-sim  simulates a scene's spectra and CSI and writes them as a dataset
#include "GsparcOutputs.h"
#include "engine/core/Engine.h"

namespace ls::rf {

class GsparcTrainEngine final : public Engine {
public:
    std::string id() const override { return "rf.gsparc-train"; }
    std::string displayName() const override { return "GSpaRC: train on RF spectra"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return LS_HAS_CUDA != 0; } // forward + composite backward on the GPU
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const override
    {
        return rfReportSections("GSpaRC training", datasets);
    }
    RepeatAdvice repeatAdvice() const override { return {1, 0}; } // minutes of training: once, unwarmed
    std::vector<DragHandle> dragHandles(const std::vector<Dataset>& datasets) const override; // the transmitter marker
    std::unique_ptr<HandleFollower> followHandle(const DragHandle& handle, const std::vector<Dataset>& datasets,
                                                 const std::map<std::string, NpzArchive>& archives, const ParameterValues& parameters) const override;
};

class GsparcEvalEngine final : public Engine {
public:
    std::string id() const override { return "rf.gsparc-eval"; }
    std::string displayName() const override { return "GSpaRC: evaluate a checkpoint"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return false; }
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const override
    {
        return rfReportSections("GSpaRC evaluation", datasets);
    }
    RepeatAdvice repeatAdvice() const override { return {1, 0}; }
};

class GsparcCrossValidationEngine final : public Engine {
public:
    std::string id() const override { return "rf.gsparc-cv"; }
    std::string displayName() const override { return "GSpaRC: cross-validate"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return LS_HAS_CUDA != 0; } // each fold's training, as gsparc-train
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const override
    {
        return rfReportSections("GSpaRC cross-validation", datasets);
    }
    RepeatAdvice repeatAdvice() const override { return {1, 0}; } // a field per fold: once, unwarmed
};

class GsparcRenderEngine final : public Engine {
public:
    std::string id() const override { return "rf.gsparc-render"; }
    std::string displayName() const override { return "GSpaRC: render a spectrum"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return LS_HAS_CUDA != 0; } // the forward pipeline (SplatRendererCuda)
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const override
    {
        return rfReportSections("GSpaRC spectrum", datasets);
    }
    std::vector<DragHandle> dragHandles(const std::vector<Dataset>& datasets) const override; // the transmitter marker
    std::unique_ptr<HandleFollower> followHandle(const DragHandle& handle, const std::vector<Dataset>& datasets,
                                                 const std::map<std::string, NpzArchive>& archives, const ParameterValues& parameters) const override;
};

class MultipathSimEngine final : public Engine {
public:
    std::string id() const override { return "rf.multipath-sim"; }
    std::string displayName() const override { return "RF multipath simulator"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return false; }
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const override
    {
        return rfReportSections("Multipath simulation", datasets);
    }
    RepeatAdvice repeatAdvice() const override { return {1, 0}; }
};

} // namespace ls::rf
