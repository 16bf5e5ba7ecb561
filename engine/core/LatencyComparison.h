#pragma once
// Two latency records side by side: stages aligned by path, the ratio of medians, and a verdict
// that is given only when the difference exceeds the run-to-run spread.
#include "LatencyRecorder.h"

#include <string>
#include <vector>

namespace ls {

enum class Verdict {
    NotComparable, // the stage is missing from one run, or has fewer than kMinSamples samples
    WithinNoise,   // the interquartile ranges overlap: the runs do not differ beyond their spread
    Faster,        // B is faster than A: B's p75 lies below A's p25
    Slower,        // B is slower than A: B's p25 lies above A's p75
};
const char* toString(Verdict verdict);

struct StageComparison {
    std::string stage;        // path, or "(repeat total)"
    SampleStats a, b;
    double ratio = 0;         // b.median / a.median; 0 when not comparable
    Verdict verdict = Verdict::NotComparable;
};

// The rule: with at least kMinSamples samples on each side, a stage is called faster or slower only
// when the interquartile ranges [p25, p75] of the two runs do not overlap, i.e. the middle halves
// of the two distributions are separated. Otherwise the difference is within noise.
constexpr std::size_t kMinSamplesForVerdict = 5;
Verdict compareSamples(const SampleStats& a, const SampleStats& b);

// Stages of A in order, then stages only B has, then the repeat total.
std::vector<StageComparison> compareRecords(const LatencyRecord& a, const LatencyRecord& b);

} // namespace ls
