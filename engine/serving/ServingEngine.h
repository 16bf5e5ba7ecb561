#pragma once
// serving.benchmark: load-tests an OpenAI-compatible server (vLLM, llama.cpp, SGLang, OpenAI, ...)
// across a sweep of request rates, and reports TTFT, TPOT, inter-token latency, throughput, SLO
// attainment and goodput, with every request's queue, prefill and decode spans in the latency
// record (one lane a request).
#include "LoadClient.h"
#include "ServingMetrics.h"

#include "engine/core/Engine.h"

namespace ls::serving {

class ServingBenchmarkEngine final : public Engine {
public:
    std::string id() const override { return "serving.benchmark"; }
    std::string displayName() const override { return "Serving latency benchmark"; }
    std::string description() const override;
    ParameterSchema parameterSchema() const override;
    bool hasCudaPath() const override { return false; } // the server's GPU does the work; the client is I/O
    // One sweep is the measurement; repeating it re-loads the server for minutes.
    RepeatAdvice repeatAdvice() const override { return {1, 0}; }
    RunOutput run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context) override;
    std::vector<ReportSection> reportSections(const std::vector<Dataset>& datasets, const nlohmann::json& parameters) const override;
};

// Settings read from the parameters and the environment (the API key: LATENCY_STUDIO_API_KEY,
// else OPENAI_API_KEY; it is never a parameter, so it is never saved in a session).
ServerSettings serverSettingsFrom(const ParameterValues& parameters);
Slo sloFrom(const ParameterValues& parameters);

// The lane of request `index` at rate `rate` in the latency record and the timeline.
std::string requestLane(double rate, std::size_t index);
std::string rateStageName(double rate); // "rate 2 rps": a stage path element, so no '/'

} // namespace ls::serving
