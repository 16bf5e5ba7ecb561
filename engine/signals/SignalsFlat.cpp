#include "SignalsCuda.h"
#include "StepSignalsDevice.h"

#include "engine/core/Error.h"

#include <algorithm>

namespace ls::reasoning {

FlatSteps flattenSteps(std::span<const Trace> traces, const SignalSettings& settings)
{
    FlatSteps flat;
    flat.altStart.push_back(0);
    flat.outStart.push_back(0);
    flat.traceStart.push_back(0);
    for (const auto& trace : traces) {
        for (std::size_t t = 0; t < trace.steps.size(); ++t) {
            const Step& step = trace.steps[t];
            if (step.top.size() > static_cast<std::size_t>(kMaxGpuAlternatives))
                throw ArgumentError("trace '" + trace.id + "' step " + std::to_string(t) + " has " + std::to_string(step.top.size()) +
                                    " alternatives; the CUDA path takes at most " + std::to_string(kMaxGpuAlternatives) +
                                    " (run on the CPU)");
            for (const auto& alternative : step.top) {
                flat.altToken.push_back(alternative.token);
                flat.altLogprob.push_back(alternative.logprob);
            }
            flat.altStart.push_back(flat.altToken.size());
            flat.chosen.push_back(step.chosen);
            flat.chosenLogprob.push_back(step.logprob);
            flat.firstOfTrace.push_back(t == 0);
            flat.outStart.push_back(flat.outStart.back() + std::max<std::size_t>(step.top.size(), 1) + (settings.tailBucket ? 1 : 0));
        }
        flat.traceStart.push_back(flat.chosen.size());
    }
    return flat;
}

StepSignalArrays stepSignalsOnHost(std::span<const Trace> traces, const SignalSettings& settings)
{
    const FlatSteps flat = flattenSteps(traces, settings);
    const std::size_t steps = flat.chosen.size();
    std::vector<std::uint32_t> outToken(flat.outStart.back());
    std::vector<double> probability(flat.outStart.back()), logProbability(flat.outStart.back());
    std::vector<int> outCount(steps);
    StepSignalArrays result{std::vector<float>(steps), std::vector<float>(steps), flat.traceStart};
    const gpu::StepInputs inputs{flat.altToken.data(), flat.altLogprob.data(), flat.altStart.data(), flat.chosen.data(),
                                 flat.chosenLogprob.data()};
    const gpu::StepDistributions distributions{outToken.data(), probability.data(), logProbability.data(), flat.outStart.data(),
                                               outCount.data()};
    const gpu::StepSettings stepSettings = gpu::stepSettingsOf(settings);
    for (std::size_t s = 0; s < steps; ++s) // the first kernel
        gpu::buildStepDistribution(inputs, distributions, stepSettings, s, result.entropy.data());
    for (std::size_t s = 0; s < steps; ++s) // the second
        gpu::stepDivergence(distributions, flat.firstOfTrace.data(), stepSettings.scale, s, result.divergence.data());
    return result;
}

} // namespace ls::reasoning
