#pragma once
// The reasoning-instability engine: imports a file of LLM traces, computes the per-step signals
// of every trace and, when labels exist, how well the peak predicts a wrong answer.
#include "engine/core/Engine.h"
#include "Signals.h"

namespace ls::reasoning {

class InstabilityEngine final : public Engine {
public:
    std::string id() const override { return "reasoning.instability"; }
    std::string displayName() const override { return "Reasoning-trace instability"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return LS_HAS_CUDA != 0; } // per-step H and D (SignalsCuda.h)
    // Each repeat imports the whole file, and files run to gigabytes: one run, no warm-up that
    // would read it a second time (a user may still ask for repeats).
    RepeatAdvice repeatAdvice() const override { return {1, 0}; }
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json& parameters) const override;

    static SignalSettings settingsFrom(const ParameterValues& parameters);
};

// A trace as the studio's token-trace dataset (tokens, their log-probabilities, the top-k table).
TokenTrace tokenTraceOf(const Trace& trace, const Vocabulary& vocabulary);
// D, H and I over the steps, I last.
Series signalSeriesOf(const TraceSignals& traceSignals);

} // namespace ls::reasoning
