#pragma once
// Runs an engine the way every host does (CLI, studio worker thread, tests, benchmarks): validates
// parameters and inputs, picks the device, executes warm-up and measured repeats, and returns the
// last repeat's outputs with the latency record.
#include "Engine.h"

namespace ls {

struct RunRequest {
    ParameterValues parameters;
    RunInputs inputs;
    int warmupRepeats = 1;
    int repeats = 1;
    std::string device; // "", "auto", "cpu", "cuda:N" (see selectDevice)
};

struct CompletedRun {
    RunOutput output;
    LatencyRecord latency;
    DeviceInfo device;
    std::string deviceReason;
};

// Throws ArgumentError listing every invalid parameter, CancelledError, or the engine's error.
// `publish` gets what the engine publishes while it runs (RunContext::publish).
CompletedRun runEngine(Engine& engine, const RunRequest& request, const RunContext::ProgressFn& progress = {},
                       const std::atomic<bool>* cancelRequested = nullptr, const RunContext::PublishFn& publish = {});

} // namespace ls
