// The instability signals' CUDA path against the CPU: per-step entropy and divergence on random
// traces, and the engine end to end on a trace file (moved here from tst_signals).
#include "GpuCheckList.h"
#include "SignalCases.h"

#include "engine/core/EngineRunner.h"
#include "engine/core/LatencyRecorder.h"
#include "engine/signals/InstabilityEngine.h"

namespace ls::test {

using namespace ls::reasoning;

void checkSignals(const GpuCheckContext& context, CheckOutcome& outcome)
{
    const std::vector<Trace> traces = context.small ? randomTraces(4, 60) : randomTraces();
    for (int trial = 0; trial < (context.small ? 2 : 6); ++trial) {
        const SignalSettings settings = randomSettings();
        LatencyRecorder recorder;
        compareStepSignals(stepSignalsCuda(traces, settings, context.device, recorder), traces, settings, outcome);
    }
    if (context.traces.empty()) {
        outcome.note("no trace file given: the engine's end-to-end comparison did not run");
        return;
    }
    // The engine on the GPU gives the CPU's signals.
    InstabilityEngine engine;
    outcome.require(engine.hasCudaPath(), "the instability engine reports no CUDA path");
    RunRequest request;
    request.parameters = defaultValues(engine.parameterSchema());
    request.parameters["traces"] = context.traces;
    request.warmupRepeats = 0;
    request.device = "cpu";
    const CompletedRun onCpu = runEngine(engine, request);
    request.device = "cuda:" + std::to_string(context.device);
    const CompletedRun onGpu = runEngine(engine, request);
    outcome.require(onGpu.device.isCuda(), "the engine ran on " + onGpu.device.id() + ", not the GPU");
    const auto& cpuSignals = std::get<Series>(onCpu.output.datasets[1].content).curves.back().values;
    const auto& gpuSignals = std::get<Series>(onGpu.output.datasets[1].content).curves.back().values;
    if (!outcome.require(gpuSignals.size() == cpuSignals.size(), "the engine's signal curves differ in length"))
        return;
    for (std::size_t t = 0; t < cpuSignals.size(); ++t)
        outcome.within("engine signal " + std::to_string(t) + " relative to max(1, |cpu|)",
                       std::abs(gpuSignals[t] - cpuSignals[t]) / std::max(1.0f, std::abs(cpuSignals[t])), 1e-5);
}

} // namespace ls::test
