#pragma once
// The parameters the latent consistency engines share (training, sampler comparison, checkpoint
// files), declared once so the study, lcm-train, lcm-sample and lcm-eval read them the same way.
#include "LatentTraining.h"
#include "SamplerComparison.h"
#include "engine/core/Parameters.h"

#include <string>
#include <vector>

namespace ls::consistency {

std::vector<ParameterSpec> trainingParameterSpecs();   // data, sizes, steps, the recipe's switches, seed
std::vector<ParameterSpec> comparisonParameterSpecs(); // step lists, 2-step τ, samples, seeds, latency, class and guidance
std::vector<ParameterSpec> classParameterSpecs();      // sampleClass, guidance (class-conditional checkpoints)
ParameterSpec checkpointParameterSpec(std::string key, std::string label, std::string help);

LatentModelSpec modelSpecFrom(const ParameterValues& values);
TrainingSettings trainingSettingsFrom(const ParameterValues& values);
ComparisonSettings comparisonSettingsFrom(const ParameterValues& values); // seed included

// "1, 1.5,2" → {1, 1.5, 2}, each in [0, 10]; throws ArgumentError naming `what` on anything else.
std::vector<double> parseScaleList(const std::string& text, const std::string& what);
// "1, 2,4" → {1, 2, 4}; throws ArgumentError naming `what` on anything else.
std::vector<int> parseStepList(const std::string& text, const std::string& what);

// The checkpoint named by parameter `key`; an empty value is an ArgumentError saying what to give.
LatentModels checkpointFromParameter(const ParameterValues& values, const std::string& key);

} // namespace ls::consistency
