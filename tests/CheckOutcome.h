#pragma once
// A comparison's outcome, Qt-free: what the GPU check runner (tests/gpu) reports per check and
// what the Qt Test suites assert on (QVERIFY2(outcome.passed(), outcome.summary().c_str())).
// Each bound is recorded with the error it held, so the report can say how close a pass was.
#include <cstdio>
#include <string>
#include <vector>

namespace ls::test {

class CheckOutcome {
public:
    // Fails with `what` unless `ok`; returns ok, so a caller can stop before indexing past a
    // mismatched size: `if (!outcome.require(a.size() == b.size(), "sizes")) return;`.
    bool require(bool ok, const std::string& what)
    {
        if (!ok)
            fail(what);
        return ok;
    }
    // Fails when `error` exceeds `bound`; the worst error/bound over the check is kept.
    bool within(const std::string& what, double error, double bound)
    {
        ++comparisons_;
        const double ratio = bound > 0 ? error / bound : (error > 0 ? 1e300 : 0);
        if (worstWhat_.empty() || ratio > worstRatio_) {
            worstRatio_ = ratio;
            worstWhat_ = what + ": " + number(error) + " (bound " + number(bound) + ")";
        }
        if (error <= bound) // NaN fails too
            return true;
        fail(what + ": error " + number(error) + " exceeds the bound " + number(bound));
        return false;
    }
    void note(const std::string& line) { notes_.push_back(line); }

    bool passed() const { return failures_.empty(); }
    const std::vector<std::string>& failures() const { return failures_; }
    const std::vector<std::string>& notes() const { return notes_; }
    int comparisons() const { return comparisons_; }
    double worstRatio() const { return worstRatio_; } // largest error/bound; ≤ 1 when every bound held
    const std::string& worst() const { return worstWhat_; }
    std::string summary() const
    {
        std::string text = passed() ? "passed" : "FAILED";
        for (std::size_t i = 0; i < failures_.size() && i < 5; ++i)
            text += "\n  " + failures_[i];
        if (failures_.size() + dropped_ > 5)
            text += "\n  ... and " + std::to_string(failures_.size() + dropped_ - 5) + " more";
        if (!worstWhat_.empty())
            text += "\n  closest to its bound: " + worstWhat_;
        return text;
    }

private:
    static std::string number(double value)
    {
        char text[32];
        std::snprintf(text, sizeof text, "%.3g", value);
        return text;
    }
    void fail(const std::string& what)
    {
        if (failures_.size() < 50) // a broken kernel fails every element; the first ones say enough
            failures_.push_back(what);
        else
            ++dropped_;
    }
    std::vector<std::string> failures_, notes_;
    std::string worstWhat_;
    double worstRatio_ = 0;
    int comparisons_ = 0, dropped_ = 0;
};

} // namespace ls::test
