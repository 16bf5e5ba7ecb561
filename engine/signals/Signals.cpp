#include "Signals.h"

#include <algorithm>
#include <array>
#include <memory>
#include <cmath>
#include <limits>
#include <optional>

namespace ls::reasoning {
namespace {

constexpr TokenId kTailToken = std::numeric_limits<TokenId>::max(); // the optional "other" outcome

struct Outcome {
    TokenId token;
    double probability;
    double logProbability; // natural log, kept so entropies need no logarithm per outcome
};

// One step's renormalised distribution, with a small open-addressing index by token so that the
// next step can find the tokens both share without sorting. Slots are stamped instead of cleared.
class StepDistribution {
public:
    void build(const Step& step, const SignalSettings& settings, std::uint32_t stamp);
    const std::vector<Outcome>& outcomes() const { return outcomes_; }
    const Outcome* find(TokenId token) const
    {
        for (std::size_t slot = hash(token);; slot = (slot + 1) & mask_) {
            if (slots_[slot].stamp != stamp_)
                return nullptr;
            if (slots_[slot].token == token)
                return &outcomes_[slots_[slot].index];
        }
    }

private:
    // The index keeps at least 4 slots per outcome, so probing always meets an empty slot; it grows
    // (to a power of two) for steps with thousands of alternatives.
    static constexpr std::size_t kMinSlots = 1024;
    std::size_t hash(TokenId token) const { return (token * 2654435761u) & mask_; }
    void reserveSlots(std::size_t outcomes);
    void add(TokenId token, double weight, double logWeight);

    struct Slot {
        TokenId token = 0;
        std::uint32_t stamp = 0;
        std::uint32_t index = 0;
    };
    std::vector<Outcome> outcomes_;
    std::vector<Alternative> scratch_;
    std::vector<Slot> slots_ = std::vector<Slot>(kMinSlots);
    std::size_t mask_ = kMinSlots - 1;
    std::uint32_t stamp_ = 0;
};

void StepDistribution::reserveSlots(std::size_t outcomes)
{
    std::size_t needed = kMinSlots;
    while (needed < 4 * outcomes)
        needed *= 2;
    if (needed > slots_.size()) {
        slots_.assign(needed, Slot{}); // fresh stamps of 0: the current stamp is never 0
        mask_ = needed - 1;
    }
}

void StepDistribution::add(TokenId token, double weight, double logWeight)
{
    for (std::size_t slot = hash(token);; slot = (slot + 1) & mask_) {
        if (slots_[slot].stamp != stamp_) {
            slots_[slot] = {token, stamp_, static_cast<std::uint32_t>(outcomes_.size())};
            outcomes_.push_back({token, weight, logWeight});
            return;
        }
        if (slots_[slot].token == token) { // a token listed twice: one outcome with both weights
            Outcome& o = outcomes_[slots_[slot].index];
            o.probability += weight;
            o.logProbability = std::log(o.probability);
            return;
        }
    }
}

// p̃_t: the k most likely returned alternatives, renormalised (plus the tail bucket if asked).
// p̃_i = w_i / Z with w_i = exp(lp_i), so log p̃_i = lp_i − log Z: one logarithm per step.
void StepDistribution::build(const Step& step, const SignalSettings& settings, std::uint32_t stamp)
{
    stamp_ = stamp;
    outcomes_.clear();
    const std::vector<Alternative>* alternatives = &step.top;
    if (step.top.empty() || (settings.topK > 0 && step.top.size() > static_cast<std::size_t>(settings.topK))) {
        scratch_.assign(step.top.begin(), step.top.end());
        if (scratch_.empty())
            scratch_.push_back({step.chosen, step.logprob}); // no alternatives returned: all mass on the chosen token
        if (settings.topK > 0 && scratch_.size() > static_cast<std::size_t>(settings.topK)) {
            std::nth_element(scratch_.begin(), scratch_.begin() + settings.topK, scratch_.end(),
                             [](const Alternative& a, const Alternative& b) { return a.logprob > b.logprob; });
            scratch_.resize(settings.topK);
        }
        alternatives = &scratch_;
    }
    reserveSlots(alternatives->size() + 1); // + the tail bucket
    double total = 0;
    for (const auto& alternative : *alternatives) {
        const double weight = std::exp(alternative.logprob); // float exp
        add(alternative.token, weight, alternative.logprob);
        total += weight;
    }
    double tail = 0;
    if (settings.tailBucket) {
        tail = std::max(0.0, 1.0 - total);
        total = std::max(total, 1.0);
    }
    const double logTotal = std::log(static_cast<float>(total)), inverseTotal = 1.0 / total;
    for (auto& outcome : outcomes_) {
        outcome.probability *= inverseTotal;
        outcome.logProbability -= logTotal;
    }
    if (tail > 0)
        add(kTailToken, tail * inverseTotal, std::log(tail * inverseTotal));
}

double entropyNats(const std::vector<Outcome>& outcomes)
{
    double h = 0;
    for (const auto& outcome : outcomes)
        if (outcome.probability > 0)
            h -= outcome.probability * outcome.logProbability;
    return h;
}

// JSD in nats. If no token were shared, M would hold every outcome at half its probability and
// JSD = ln 2; each shared token corrects that by its own term, so only shared tokens cost work.
double jensenShannonNats(const StepDistribution& previous, const std::vector<Outcome>& current)
{
    constexpr double kLn2 = 0.69314718055994530942;
    double divergence = kLn2;
    for (const auto& q : current) {
        const Outcome* p = previous.find(q.token);
        if (!p || p->probability <= 0 || q.probability <= 0)
            continue;
        const double m = 0.5 * (p->probability + q.probability);
        // Replace the two one-sided terms of H(M) by the shared one.
        const double oneSided = -0.5 * p->probability * (p->logProbability - kLn2) - 0.5 * q.probability * (q.logProbability - kLn2);
        const double shared = -m * std::log(static_cast<float>(m)); // single precision: signals are stored as float
        divergence -= oneSided - shared;
    }
    return std::max(0.0, divergence); // rounding can leave a tiny negative
}

double logIn(double x, LogBase base)
{
    return base == LogBase::Two ? std::log2(x) : std::log(x);
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
    // Token i carries outcome i; both distributions go through the same code as the steps.
    auto stepOf = [](const std::vector<double>& probabilities) {
        Step step{0, 0, {}};
        for (std::size_t i = 0; i < probabilities.size(); ++i)
            if (probabilities[i] > 0)
                step.top.push_back({static_cast<TokenId>(i), static_cast<float>(std::log(probabilities[i]))});
        return step;
    };
    SignalSettings settings;
    StepDistribution a, b;
    a.build(stepOf(p), settings, 1);
    b.build(stepOf(q), settings, 2);
    const double nats = jensenShannonNats(a, b.outcomes());
    return base == LogBase::Two ? nats / std::log(2.0) : nats;
}

TraceSignals computeSignals(const Trace& trace, const SignalSettings& settings)
{
    const std::size_t steps = trace.steps.size();
    std::vector<float> entropy(steps), divergence(steps);
    // Two distributions alternate as "previous" and "current"; stamps invalidate their indexes.
    auto distributions = std::make_unique<std::array<StepDistribution, 2>>();
    const double scale = settings.base == LogBase::Two ? 1.0 / std::log(2.0) : 1.0;
    for (std::size_t t = 0; t < steps; ++t) {
        StepDistribution& current = (*distributions)[t & 1];
        const StepDistribution& previous = (*distributions)[(t + 1) & 1];
        current.build(trace.steps[t], settings, static_cast<std::uint32_t>(t + 1));
        entropy[t] = static_cast<float>(entropyNats(current.outcomes()) * scale);
        divergence[t] = static_cast<float>(t == 0 ? 0.0 : jensenShannonNats(previous, current.outcomes()) * scale);
    }
    leaveOutStepsWithoutAlternatives(trace, entropy, divergence);
    return summariseSignals(std::move(entropy), std::move(divergence), settings);
}

std::size_t leaveOutStepsWithoutAlternatives(const Trace& trace, std::span<float> entropy, std::span<float> divergence)
{
    constexpr float kNone = std::numeric_limits<float>::quiet_NaN();
    std::size_t without = 0;
    for (std::size_t t = 0; t < trace.steps.size(); ++t) {
        if (!trace.steps[t].top.empty())
            continue;
        ++without;
        entropy[t] = divergence[t] = kNone;
        if (t + 1 < trace.steps.size())
            divergence[t + 1] = kNone; // D compares with this step's distribution, which is unknown
    }
    return without;
}

TraceSignals summariseSignals(std::vector<float> entropy, std::vector<float> divergence, const SignalSettings& settings)
{
    TraceSignals out;
    const std::size_t steps = entropy.size();
    out.entropy = std::move(entropy);
    out.divergence = std::move(divergence);
    std::vector<float> raw(steps);
    for (std::size_t t = 0; t < steps; ++t)
        raw[t] = static_cast<float>(combine(settings, out.divergence[t], out.entropy[t]));
    // Trailing moving average, so that I_t never looks at the future (early warning stays honest).
    // Steps without a value (NaN: no alternatives returned) are left out of the average; a window
    // with none has no value either.
    const int window = std::max(1, settings.smoothingWindow);
    constexpr float kNone = std::numeric_limits<float>::quiet_NaN();
    out.instability.resize(steps);
    double running = 0;
    std::size_t counted = 0;
    for (std::size_t t = 0; t < steps; ++t) {
        if (!std::isnan(raw[t])) {
            running += raw[t];
            ++counted;
        }
        if (t >= static_cast<std::size_t>(window) && !std::isnan(raw[t - window])) {
            running -= raw[t - window];
            --counted;
        }
        out.instability[t] = counted ? static_cast<float>(running / static_cast<double>(counted)) : kNone;
    }
    if (steps == 0)
        return out;
    std::optional<std::size_t> peak;
    for (std::size_t t = 0; t < steps; ++t)
        if (!std::isnan(out.instability[t]) && (!peak || out.instability[t] > out.instability[*peak]))
            peak = t;
    if (!peak) { // no step had alternatives: there is no peak to report
        out.peakStrength = kNone;
        out.peakPosition = std::numeric_limits<double>::quiet_NaN();
    } else {
        out.peakStrength = out.instability[*peak];
        out.peakStep = *peak;
        out.peakPosition = static_cast<double>(out.peakStep) / static_cast<double>(steps);
        out.peakBin = out.peakPosition < settings.earlyEnd ? 0 : out.peakPosition < settings.lateStart ? 1 : 2;
    }
    const std::size_t windows = std::min(steps, kMaxPrefixWindow);
    out.prefixPeak.resize(windows);
    float best = kNone;
    for (std::size_t w = 0; w < windows; ++w) {
        if (!std::isnan(out.instability[w]) && !(best >= out.instability[w]))
            best = out.instability[w];
        out.prefixPeak[w] = best;
    }
    return out;
}

} // namespace ls::reasoning
