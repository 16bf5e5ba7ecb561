#pragma once
// Cuts a generated text into reasoning steps and aggregates the per-token signals over each: by
// "Step n" markers at line starts, by blank lines (paragraphs), or by sentence ends. "Auto" picks
// the first of these that finds more than one step.
#include "Signals.h"

#include <string>
#include <vector>

namespace ls::reasoning {

enum class Segmentation { Auto, StepMarkers, BlankLines, Sentences };
const char* toString(Segmentation segmentation);

struct TextStep {
    std::size_t firstToken = 0, lastToken = 0; // inclusive
    double meanInstability = 0, maxInstability = 0, meanDivergence = 0, meanEntropy = 0;
    std::string preview;                      // the step's first characters
};

// `tokens` are the generated tokens in order; the result covers every token exactly once.
std::vector<TextStep> segmentSteps(const std::vector<std::string>& tokens, const TraceSignals& traceSignals,
                                   Segmentation segmentation, Segmentation* used = nullptr);

} // namespace ls::reasoning
