#pragma once
// Random reasoning traces and the comparison of the GPU path's per-step signals against the CPU's,
// Qt-free: used by tst_signals (host run of the kernel bodies) and the GPU check runner.
#include "CheckOutcome.h"
#include "TestRandom.h"

#include "engine/signals/Signals.h"
#include "engine/signals/SignalsCuda.h"

#include <cmath>
#include <string>
#include <vector>

namespace ls::test {

// Random traces: k from 0 to 20, some steps without alternatives, tokens listed twice, tokens
// shared between neighbouring steps (a small vocabulary) so that the JSD has overlaps to find.
inline std::vector<reasoning::Trace> randomTraces(std::int64_t maxTraces = 12, std::int64_t maxSteps = 400)
{
    using namespace ls::reasoning;
    std::vector<Trace> traces(static_cast<std::size_t>(uniformInt(std::min<std::int64_t>(3, maxTraces), maxTraces)));
    for (auto& trace : traces) {
        const auto steps = uniformInt(1, maxSteps);
        for (std::int64_t t = 0; t < steps; ++t) {
            Step step{static_cast<TokenId>(uniformInt(0, 60)), -uniform(0.0f, 5.0f), {}};
            const auto k = uniformInt(0, 20);
            for (std::int64_t i = 0; i < k; ++i)
                step.top.push_back({static_cast<TokenId>(uniformInt(0, 60)), -uniform(0.0f, 8.0f)});
            trace.steps.push_back(std::move(step));
        }
    }
    return traces;
}

inline reasoning::SignalSettings randomSettings()
{
    using namespace ls::reasoning;
    SignalSettings settings;
    settings.topK = static_cast<int>(uniformInt(0, 1) ? 0 : uniformInt(1, 20));
    settings.tailBucket = uniformInt(0, 1);
    settings.base = uniformInt(0, 1) ? LogBase::Two : LogBase::Natural;
    return settings;
}

// The GPU path keeps doubles where the CPU does and the same float logarithms: H and D agree to a
// relative 1e-5 (absolute below 1). Both NaN (a step without alternatives, left out on both
// paths) also agree.
inline void compareStepSignals(const reasoning::StepSignalArrays& gpu, const std::vector<reasoning::Trace>& traces,
                               const reasoning::SignalSettings& settings, CheckOutcome& outcome)
{
    using namespace ls::reasoning;
    constexpr double kTolerance = 1e-5;
    if (!outcome.require(gpu.traceStart.size() == traces.size() + 1, "trace offsets: " + std::to_string(gpu.traceStart.size()) + " for "
                                                                          + std::to_string(traces.size()) + " traces"))
        return;
    auto compare = [&](const char* what, std::size_t trace, std::size_t step, float got, float want) {
        const std::string where = std::string(what) + ", trace " + std::to_string(trace) + " step " + std::to_string(step);
        if (std::isnan(got) || std::isnan(want))
            outcome.require(std::isnan(got) && std::isnan(want), where + ": " + std::to_string(got) + " vs " + std::to_string(want));
        else
            outcome.within(where + " relative to max(1, |cpu|)", std::abs(got - want) / std::max(1.0, std::abs(static_cast<double>(want))), kTolerance);
    };
    for (std::size_t i = 0; i < traces.size(); ++i) {
        const TraceSignals cpu = computeSignals(traces[i], settings);
        if (!outcome.require(gpu.traceStart[i + 1] - gpu.traceStart[i] == traces[i].steps.size(), "trace " + std::to_string(i) + ": step count"))
            return;
        // The engine masks the GPU's per-step arrays with the same helper before summarising.
        std::vector<float> entropy(gpu.entropy.begin() + static_cast<std::ptrdiff_t>(gpu.traceStart[i]),
                                   gpu.entropy.begin() + static_cast<std::ptrdiff_t>(gpu.traceStart[i + 1]));
        std::vector<float> divergence(gpu.divergence.begin() + static_cast<std::ptrdiff_t>(gpu.traceStart[i]),
                                      gpu.divergence.begin() + static_cast<std::ptrdiff_t>(gpu.traceStart[i + 1]));
        leaveOutStepsWithoutAlternatives(traces[i], entropy, divergence);
        for (std::size_t t = 0; t < traces[i].steps.size(); ++t) {
            compare("H", i, t, entropy[t], cpu.entropy[t]);
            compare("D", i, t, divergence[t], cpu.divergence[t]);
        }
    }
}

} // namespace ls::test
