#include "Signals.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ls::reasoning {
namespace {

constexpr TokenId kTailToken = std::numeric_limits<TokenId>::max(); // the optional "other" outcome

struct Outcome {
    TokenId token;
    double probability;
};
using Distribution = std::vector<Outcome>; // sorted by token id

double logIn(double x, LogBase base)
{
    return base == LogBase::Two ? std::log2(x) : std::log(x);
}

// p̃_t: the k most likely returned alternatives, renormalised (plus the tail bucket if asked).
void distributionOf(const Step& step, const SignalSettings& settings, std::vector<Alternative>& scratch, Distribution& out)
{
    out.clear();
    scratch.assign(step.top.begin(), step.top.end());
    if (scratch.empty())
        scratch.push_back({step.chosen, step.logprob}); // no alternatives returned: all mass on the chosen token
    if (settings.topK > 0 && scratch.size() > static_cast<std::size_t>(settings.topK)) {
        std::nth_element(scratch.begin(), scratch.begin() + settings.topK, scratch.end(),
                         [](const Alternative& a, const Alternative& b) { return a.logprob > b.logprob; });
        scratch.resize(settings.topK);
    }
    double total = 0;
    for (const auto& alternative : scratch) {
        const double p = std::exp(static_cast<double>(alternative.logprob));
        out.push_back({alternative.token, p});
        total += p;
    }
    if (settings.tailBucket) {
        const double tail = std::max(0.0, 1.0 - total);
        if (tail > 0)
            out.push_back({kTailToken, tail});
        total = std::max(total, 1.0);
    }
    for (auto& outcome : out)
        outcome.probability /= total;
    std::sort(out.begin(), out.end(), [](const Outcome& a, const Outcome& b) { return a.token < b.token; });
}

double entropyOfDistribution(const Distribution& d, LogBase base)
{
    double h = 0;
    for (const auto& outcome : d)
        if (outcome.probability > 0)
            h -= outcome.probability * logIn(outcome.probability, base);
    return h;
}

// JSD over the union of two sorted supports; a token absent on one side has probability 0 there.
double jensenShannonSorted(const Distribution& p, const Distribution& q, LogBase base)
{
    double divergence = 0;
    auto term = [&](double a, double b) {
        const double m = 0.5 * (a + b);
        if (a > 0) divergence += 0.5 * a * logIn(a / m, base);
        if (b > 0) divergence += 0.5 * b * logIn(b / m, base);
    };
    std::size_t i = 0, j = 0;
    while (i < p.size() || j < q.size()) {
        if (j == q.size() || (i < p.size() && p[i].token < q[j].token)) {
            term(p[i++].probability, 0);
        } else if (i == p.size() || q[j].token < p[i].token) {
            term(0, q[j++].probability);
        } else {
            term(p[i++].probability, q[j++].probability);
        }
    }
    return std::max(0.0, divergence); // rounding can leave a tiny negative
}

double combine(const SignalSettings& settings, double d, double h)
{
    switch (settings.form) {
    case IndexForm::DPlusLambdaH: return d + settings.lambda * h;
    case IndexForm::HPlusLambdaD: return h + settings.lambda * d;
    case IndexForm::Convex: return (1 - settings.lambda) * d + settings.lambda * h;
    }
    return d;
}

} // namespace

const char* toString(IndexForm form)
{
    switch (form) {
    case IndexForm::DPlusLambdaH: return "D+lambda*H";
    case IndexForm::HPlusLambdaD: return "H+lambda*D";
    case IndexForm::Convex: return "(1-lambda)*D+lambda*H";
    }
    return "?";
}

const char* toString(LogBase base)
{
    return base == LogBase::Two ? "bits" : "nats";
}

double entropyOf(const std::vector<double>& probabilities, LogBase base)
{
    double h = 0;
    for (double p : probabilities)
        if (p > 0)
            h -= p * logIn(p, base);
    return h;
}

double jensenShannon(const std::vector<double>& p, const std::vector<double>& q, LogBase base)
{
    Distribution a, b;
    for (std::size_t i = 0; i < p.size(); ++i)
        a.push_back({static_cast<TokenId>(i), p[i]});
    for (std::size_t i = 0; i < q.size(); ++i)
        b.push_back({static_cast<TokenId>(i), q[i]});
    return jensenShannonSorted(a, b, base);
}

TraceSignals computeSignals(const Trace& trace, const SignalSettings& settings)
{
    TraceSignals out;
    const std::size_t steps = trace.steps.size();
    out.entropy.resize(steps);
    out.divergence.resize(steps);
    std::vector<float> raw(steps);
    Distribution previous, current;
    std::vector<Alternative> scratch;
    for (std::size_t t = 0; t < steps; ++t) {
        distributionOf(trace.steps[t], settings, scratch, current);
        const double h = entropyOfDistribution(current, settings.base);
        const double d = t == 0 ? 0.0 : jensenShannonSorted(previous, current, settings.base);
        out.entropy[t] = static_cast<float>(h);
        out.divergence[t] = static_cast<float>(d);
        raw[t] = static_cast<float>(combine(settings, d, h));
        std::swap(previous, current);
    }
    // Trailing moving average, so that I_t never looks at the future (early warning stays honest).
    const int window = std::max(1, settings.smoothingWindow);
    out.instability.resize(steps);
    double running = 0;
    for (std::size_t t = 0; t < steps; ++t) {
        running += raw[t];
        if (t >= static_cast<std::size_t>(window))
            running -= raw[t - window];
        out.instability[t] = static_cast<float>(running / std::min<std::size_t>(t + 1, window));
    }
    if (steps == 0)
        return out;
    const auto peak = std::max_element(out.instability.begin(), out.instability.end());
    out.peakStrength = *peak;
    out.peakStep = static_cast<std::size_t>(peak - out.instability.begin());
    out.peakPosition = static_cast<double>(out.peakStep) / static_cast<double>(steps);
    out.peakBin = out.peakPosition < settings.earlyEnd ? 0 : out.peakPosition < settings.lateStart ? 1 : 2;
    const std::size_t windows = std::min(steps, kMaxPrefixWindow);
    out.prefixPeak.resize(windows);
    float best = out.instability[0];
    for (std::size_t w = 0; w < windows; ++w) {
        best = std::max(best, out.instability[w]);
        out.prefixPeak[w] = best;
    }
    return out;
}

} // namespace ls::reasoning
