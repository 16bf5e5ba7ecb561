#pragma once
// Serving-latency metrics as vLLM's benchmark_serving and DistServe define them:
// - TTFT: first generated text − send;
// - TPOT: (end − first text) / (output tokens − 1), for requests with two or more tokens;
// - ITL: every gap between successive text chunks;
// - SLO attainment: the share of all requests (failures count as misses) whose TTFT and TPOT are
//   both within their SLOs;
// - goodput: the highest request rate whose attainment reaches the required share, interpolated
//   linearly between the measured rates around the crossing.
#include "LoadClient.h"

#include "engine/core/Dataset.h"
#include "engine/core/Statistics.h"

#include <string>
#include <vector>

namespace ls::serving {

struct RequestMetrics {
    bool ok = false;
    double queueMs = 0;  // client-side wait for a free slot (max concurrency)
    double ttftMs = 0;   // NaN for a failed request without text
    double tpotMs = 0;   // NaN below two output tokens
    double e2eMs = 0;    // send → end
    std::vector<double> itlMs;
    int outputTokens = 0;
    int promptTokens = -1;
};

RequestMetrics metricsOf(const RequestTiming& timing);

struct Slo {
    double ttftMs = 1000;
    double tpotMs = 100;
    double share = 0.9; // required attainment
};

// A request meets the SLOs scaled by `scale` (DistServe's SLO scale: 0.5 is twice as strict).
bool meetsTtft(const RequestMetrics& request, const Slo& slo, double scale = 1);
bool meetsTpot(const RequestMetrics& request, const Slo& slo, double scale = 1); // true below two tokens
bool meetsBoth(const RequestMetrics& request, const Slo& slo, double scale = 1);

struct RateSummary {
    double offeredRate = 0; // requests per second asked for
    std::size_t requests = 0, succeeded = 0, failed = 0, timedOut = 0;
    double durationS = 0;   // from the rate's start to its last request's end
    double requestThroughput = 0;     // succeeded / duration
    double outputTokenThroughput = 0; // output tokens of succeeded requests / duration
    SampleStats ttftMs, tpotMs, itlMs, e2eMs, queueMs;
    double attainment = 0, ttftAttainment = 0, tpotAttainment = 0;
};

RateSummary summarise(double offeredRate, const std::vector<RequestMetrics>& requests, double durationS, const Slo& slo);
double attainment(const std::vector<RequestMetrics>& requests, const Slo& slo, double scale = 1);

enum class GoodputBound {
    Interpolated, // the attainment crosses the share between two measured rates
    AtLeast,      // every measured rate met the share: goodput is at least the highest rate
    BelowLowest,  // even the lowest rate missed it: goodput is below the lowest rate (reported 0)
};

struct Goodput {
    double rate = 0;
    GoodputBound bound = GoodputBound::Interpolated;
    std::string describe() const; // "3.4 req/s", "≥ 8 req/s", "below 0.5 req/s"
    double lowestRate = 0;        // for describe()
};

// `rates` ascending with their attainments. Rates above the first that misses are not used:
// goodput is the highest rate up to which the share holds.
Goodput goodputOf(const std::vector<double>& rates, const std::vector<double>& attainments, double share);

// Empirical CDFs of one metric per rate on a shared x axis (0 to the largest value), one curve a rate.
Series cdfSeries(const std::string& xLabel, const std::vector<std::string>& curveNames,
                 const std::vector<std::vector<double>>& valuesPerCurve, int points = 120);

} // namespace ls::serving
