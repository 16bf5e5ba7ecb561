#pragma once
// Per-step instability signals of a reasoning trace: the renormalised top-k distribution p̃_t, its
// entropy H_t, the Jensen–Shannon divergence D_t = JSD(p̃_{t−1}, p̃_t) over the union of the two
// supports, and an instability index I_t combining the two. The combination in the paper is not
// given in the text we have, so the form, λ, the log base, k, an optional tail-mass bucket and an
// optional smoothing window are settings, written into every export.
#include "Trace.h"

#include <string>
#include <span>
#include <vector>

namespace ls::reasoning {

enum class IndexForm { DPlusLambdaH, HPlusLambdaD, Convex }; // D + λH, H + λD, (1−λ)D + λH
enum class LogBase { Natural, Two };

struct SignalSettings {
    IndexForm form = IndexForm::DPlusLambdaH;
    double lambda = 0.5;
    LogBase base = LogBase::Natural;
    int topK = 0;              // use at most k alternatives per step; 0: all returned
    bool tailBucket = false;   // add an "other" outcome holding 1 − Σ p (a deviation from the paper)
    int smoothingWindow = 1;   // trailing moving average of I_t; 1: none
    double earlyEnd = 1.0 / 3; // relative position bins: early < earlyEnd ≤ middle < lateStart ≤ late
    double lateStart = 2.0 / 3;
};

const char* toString(IndexForm form);
const char* toString(LogBase base);

struct TraceSignals {
    std::vector<float> entropy;     // H_t
    std::vector<float> divergence;  // D_t (0 at t = 0)
    std::vector<float> instability; // I_t after smoothing
    float peakStrength = 0;         // S = max_t I_t (NaN when no step had alternatives)
    std::size_t peakStep = 0;       // t*
    double peakPosition = 0;        // t* / T in [0, 1)
    int peakBin = 0;                // 0 early, 1 middle, 2 late
    std::vector<float> prefixPeak;  // S over the first w tokens, w = 1 … min(T, 128)
};

// Distributions: the entropy of the renormalised top-k (and the tail bucket if set).
double entropyOf(const std::vector<double>& probabilities, LogBase base);
// JSD of two distributions over the same outcomes (index by index).
double jensenShannon(const std::vector<double>& p, const std::vector<double>& q, LogBase base);

TraceSignals computeSignals(const Trace& trace, const SignalSettings& settings);
// The part after H_t and D_t (in the settings' log base): I_t, smoothing, the peak, prefix windows.
// computeSignals ends with it; the CUDA path (SignalsCuda.h) computes H and D and calls it too.
TraceSignals summariseSignals(std::vector<float> entropy, std::vector<float> divergence, const SignalSettings& settings);

// A step that returned no alternatives (vLLM: logprob -9999 and empty top_logprobs; a request
// without top_logprobs) has no distribution: its H and D, and the next step's D, become NaN, and
// every summary leaves them out. Both the CPU and the CUDA path apply this. Returns how many.
std::size_t leaveOutStepsWithoutAlternatives(const Trace& trace, std::span<float> entropy, std::span<float> divergence);

constexpr std::size_t kMaxPrefixWindow = 128;

} // namespace ls::reasoning
