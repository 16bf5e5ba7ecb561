#include "ServingMetrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ls::serving {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

SampleStats statsOf(std::vector<double> values)
{
    std::erase_if(values, [](double v) { return !std::isfinite(v); });
    return values.empty() ? SampleStats{} : computeStats(std::move(values));
}

std::string rateText(double rate)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.3g req/s", rate);
    return text;
}

} // namespace

RequestMetrics metricsOf(const RequestTiming& timing)
{
    RequestMetrics m;
    m.ok = timing.ok();
    m.queueMs = std::max(0.0, (timing.sendS - timing.arrivalS) * 1000);
    m.e2eMs = (timing.endS - timing.sendS) * 1000;
    m.ttftMs = timing.tokenS.empty() ? kNaN : (timing.tokenS.front() - timing.sendS) * 1000;
    m.outputTokens = timing.outputTokens;
    m.promptTokens = timing.promptTokens;
    // vLLM's TPOT: the decode time shared by the tokens after the first.
    m.tpotMs = m.ok && timing.outputTokens >= 2 && !timing.tokenS.empty()
                   ? (timing.endS - timing.tokenS.front()) * 1000 / (timing.outputTokens - 1)
                   : kNaN;
    for (std::size_t i = 1; i < timing.tokenS.size(); ++i)
        m.itlMs.push_back((timing.tokenS[i] - timing.tokenS[i - 1]) * 1000);
    return m;
}

bool meetsTtft(const RequestMetrics& request, const Slo& slo, double scale)
{
    return request.ok && request.ttftMs <= slo.ttftMs * scale;
}

bool meetsTpot(const RequestMetrics& request, const Slo& slo, double scale)
{
    return request.ok && (std::isnan(request.tpotMs) || request.tpotMs <= slo.tpotMs * scale);
}

bool meetsBoth(const RequestMetrics& request, const Slo& slo, double scale)
{
    return meetsTtft(request, slo, scale) && meetsTpot(request, slo, scale);
}

double attainment(const std::vector<RequestMetrics>& requests, const Slo& slo, double scale)
{
    if (requests.empty())
        return 0;
    const auto met = std::count_if(requests.begin(), requests.end(), [&](const auto& r) { return meetsBoth(r, slo, scale); });
    return static_cast<double>(met) / static_cast<double>(requests.size());
}

RateSummary summarise(double offeredRate, const std::vector<RequestMetrics>& requests, double durationS, const Slo& slo)
{
    RateSummary s;
    s.offeredRate = offeredRate;
    s.requests = requests.size();
    s.durationS = durationS;
    std::vector<double> ttft, tpot, itl, e2e, queue;
    double outputTokens = 0;
    std::size_t ttftMet = 0, tpotMet = 0;
    for (const auto& r : requests) {
        queue.push_back(r.queueMs);
        ttftMet += meetsTtft(r, slo);
        tpotMet += meetsTpot(r, slo);
        if (!r.ok) {
            ++s.failed;
            continue;
        }
        ++s.succeeded;
        outputTokens += r.outputTokens;
        ttft.push_back(r.ttftMs);
        tpot.push_back(r.tpotMs);
        e2e.push_back(r.e2eMs);
        itl.insert(itl.end(), r.itlMs.begin(), r.itlMs.end());
    }
    s.ttftMs = statsOf(std::move(ttft));
    s.tpotMs = statsOf(std::move(tpot));
    s.itlMs = statsOf(std::move(itl));
    s.e2eMs = statsOf(std::move(e2e));
    s.queueMs = statsOf(std::move(queue));
    if (durationS > 0) {
        s.requestThroughput = static_cast<double>(s.succeeded) / durationS;
        s.outputTokenThroughput = outputTokens / durationS;
    }
    if (!requests.empty()) {
        const double n = static_cast<double>(requests.size());
        s.attainment = attainment(requests, slo);
        s.ttftAttainment = static_cast<double>(ttftMet) / n;
        s.tpotAttainment = static_cast<double>(tpotMet) / n;
    }
    return s;
}

std::string Goodput::describe() const
{
    switch (bound) {
    case GoodputBound::Interpolated: return rateText(rate);
    case GoodputBound::AtLeast: return "at least " + rateText(rate) + " (every rate measured met the SLOs)";
    case GoodputBound::BelowLowest: return "below " + rateText(lowestRate) + " (the lowest rate measured missed the SLOs)";
    }
    return {};
}

Goodput goodputOf(const std::vector<double>& rates, const std::vector<double>& attainments, double share)
{
    Goodput g;
    if (rates.empty())
        return {0, GoodputBound::BelowLowest, 0};
    g.lowestRate = rates.front();
    if (attainments.front() < share)
        return {0, GoodputBound::BelowLowest, rates.front()};
    for (std::size_t i = 1; i < rates.size(); ++i) {
        if (attainments[i] >= share)
            continue;
        const double a0 = attainments[i - 1], a1 = attainments[i];
        const double t = (a0 - share) / (a0 - a1); // a0 ≥ share > a1, so 0 ≤ t < 1
        g.rate = rates[i - 1] + t * (rates[i] - rates[i - 1]);
        g.bound = GoodputBound::Interpolated;
        return g;
    }
    g.rate = rates.back();
    g.bound = GoodputBound::AtLeast;
    return g;
}

Series cdfSeries(const std::string& xLabel, const std::vector<std::string>& curveNames,
                 const std::vector<std::vector<double>>& valuesPerCurve, int points)
{
    double top = 0;
    std::vector<std::vector<double>> sorted;
    for (const auto& values : valuesPerCurve) {
        auto& s = sorted.emplace_back();
        for (double v : values)
            if (std::isfinite(v))
                s.push_back(v);
        std::sort(s.begin(), s.end());
        if (!s.empty())
            top = std::max(top, s.back());
    }
    Series series;
    series.xLabel = xLabel;
    if (top <= 0)
        top = 1;
    std::vector<double> xs;
    for (int i = 0; i < points; ++i)
        xs.push_back(i + 1 == points ? top : top * i / (points - 1)); // the last point is 1 exactly
    for (double x : xs)
        series.x.push_back(static_cast<float>(x));
    for (std::size_t c = 0; c < sorted.size(); ++c) {
        Attribute curve{curveNames[c], 1, {}};
        for (double x : xs) {
            const auto below = std::upper_bound(sorted[c].begin(), sorted[c].end(), x) - sorted[c].begin();
            curve.values.push_back(sorted[c].empty() ? 0.f : static_cast<float>(below) / static_cast<float>(sorted[c].size()));
        }
        series.curves.push_back(std::move(curve));
    }
    return series;
}

} // namespace ls::serving
