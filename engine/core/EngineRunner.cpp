#include "EngineRunner.h"
#include "VectorState.h"

#include <algorithm>

namespace ls {

CompletedRun runEngine(Engine& engine, const RunRequest& request, const RunContext::ProgressFn& progress,
                       const std::atomic<bool>* cancelRequested, const RunContext::PublishFn& publish)
{
    clearUpperVectorState(); // the engine runs on this thread: VectorState.h
    const FlushDenormals flushDenormals; // for the run, on this thread and the threads it starts
    const ParameterSchema schema = engine.parameterSchema();
    if (const auto problems = validate(schema, request.parameters); !problems.empty()) {
        std::string message = "invalid parameters for " + engine.id() + ":";
        for (const auto& p : problems)
            message += "\n  " + p;
        throw ArgumentError(message);
    }
    for (const auto& spec : engine.inputSpecs())
        if (spec.required && !request.inputs.contains(spec.key))
            throw ArgumentError(engine.id() + " needs input '" + spec.key + "' (" + spec.shape + ")");
    for (const auto& input : request.inputs) {
        const std::string& key = input.first; // a plain reference: clang 14 cannot capture structured bindings
        const auto specs = engine.inputSpecs();
        if (std::none_of(specs.begin(), specs.end(), [&](const auto& s) { return s.key == key; }))
            throw ArgumentError(engine.id() + " takes no input named '" + key + "'");
    }
    if (request.repeats < 1 || request.warmupRepeats < 0)
        throw ArgumentError("repeats must be at least 1 and warm-up repeats at least 0");

    DeviceSelection selection = selectDevice(request.device);
    if (selection.device.isCuda() && !engine.hasCudaPath())
        selection = {cpuDevice(), engine.id() + " has no CUDA path; using the CPU"};

    LatencyRecorder recorder;
    recorder.record().engineId = engine.id();
    recorder.record().device = selection.device.describe();
    recorder.record().parameters = parametersToJson(request.parameters);

    const int total = request.warmupRepeats + request.repeats;
    CompletedRun completed;
    for (int r = 0; r < total; ++r) {
        const bool warmup = r < request.warmupRepeats;
        const auto repeatProgress = [&, r](double fraction, const std::string& message) {
            if (progress)
                progress((r + std::clamp(fraction, 0.0, 1.0)) / total,
                         (warmup ? "warm-up " : "repeat ") + std::to_string(warmup ? r + 1 : r - request.warmupRepeats + 1) +
                             ": " + message);
        };
        RunContext context(selection.device, recorder, repeatProgress, cancelRequested, publish);
        context.throwIfCancelled();
        recorder.beginRepeat(warmup);
        completed.output = engine.run(request.inputs, request.parameters, context);
        recorder.endRepeat();
    }
    if (progress)
        progress(1.0, "done");
    completed.latency = recorder.takeRecord();
    completed.device = selection.device;
    completed.deviceReason = selection.reason;
    return completed;
}

} // namespace ls
