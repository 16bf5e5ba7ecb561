#pragma once
// The template engine: samples points on a surface with noise. Small on purpose: it shows every
// part an engine needs (schema, input, CPU and CUDA paths, stages, datasets) for authors to copy.
#include "engine/core/Engine.h"

namespace ls::surface {

class SurfaceSamplerEngine final : public Engine {
public:
    std::string id() const override { return "template.surface-sampler"; }
    std::string displayName() const override { return "Surface sampler (template)"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    std::vector<InputSpec> inputSpecs() const override;
    bool hasCudaPath() const override;
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets,
                                              const nlohmann::json& parameters) const override;
};

} // namespace ls::surface
