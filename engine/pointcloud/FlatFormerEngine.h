#pragma once
// The FlatFormer engine: points (a file, an input array, or a synthetic street scan) → pillars →
// blocks of four flattened-window attention layers (x, x shifted, y, y shifted) → per-point views
// of how the points were flattened and grouped in the chosen layer, and the output features.
#include "engine/core/Engine.h"

namespace ls::pointcloud {

class FlatFormerEngine final : public Engine {
public:
    std::string id() const override { return "pointcloud.flatformer"; }
    std::string displayName() const override { return "FlatFormer (flattened window attention)"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    std::vector<InputSpec> inputSpecs() const override;
    bool hasCudaPath() const override { return LS_HAS_CUDA != 0; } // sort (CUB) and the flattened layers (cuBLAS + kernels)
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    // The flattening table and, when timed, the attention comparison (bars + table).
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json& parameters) const override;
    // A picked point: its pillar's group in the shown layer, coloured by the attention the pillar
    // gives each member (head mean), with a few readouts (FlatFormerPick.cpp).
    std::optional<PickDetail> describePick(const std::vector<Dataset>& datasets, const std::string& cloudName,
                                           std::size_t pointIndex) const override;
};

} // namespace ls::pointcloud
