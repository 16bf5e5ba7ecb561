#include "ServingEngine.h"

#include "ArrivalProcess.h"
#include "Workload.h"

#include "engine/core/TextFormat.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>

namespace ls::serving {
namespace {

constexpr double kSloScales[] = {0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0};

std::string number(double value, int digits = 3)
{
    if (!std::isfinite(value))
        return "–";
    char text[48];
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    return text;
}

std::string ms(double value) { return std::isfinite(value) ? fixedDecimals(value, 1) : "–"; }
std::string percent(double share) { return fixedDecimals(100 * share, 1) + " %"; }

LengthDistribution lengths(const ParameterValues& p, const std::string& rule, const char* low, const char* high)
{
    LengthDistribution d;
    d.rule = rule == "fixed" ? LengthRule::Fixed : LengthRule::Uniform;
    d.low = static_cast<int>(intParameter(p, low));
    d.high = static_cast<int>(intParameter(p, high));
    if (d.rule == LengthRule::Uniform && d.high < d.low)
        throw ArgumentError(std::string(high) + ": the upper length " + std::to_string(d.high) + " is below the lower " + std::to_string(d.low));
    return d;
}

void refuseCredentialsInUrl(const std::string& url)
{
    const auto scheme = url.find("://");
    const auto authorityEnd = url.find_first_of("/?#", scheme == std::string::npos ? 0 : scheme + 3);
    const std::string authority = url.substr(0, authorityEnd);
    if (authority.find('@') != std::string::npos || url.find('?') != std::string::npos)
        throw ArgumentError("url: put no credentials or query in the URL (it is saved with the session); "
                            "set LATENCY_STUDIO_API_KEY or OPENAI_API_KEY for the key");
}

std::vector<double> ratesFrom(const ParameterValues& p)
{
    std::vector<double> rates = vectorParameter(p, "rates");
    std::sort(rates.begin(), rates.end());
    if (std::adjacent_find(rates.begin(), rates.end()) != rates.end())
        throw ArgumentError("rates: a rate is listed twice");
    return rates;
}

} // namespace

std::string rateStageName(double rate) { return "rate " + number(rate) + " rps"; }

std::string requestLane(double rate, std::size_t index)
{
    char text[64];
    std::snprintf(text, sizeof text, "%s #%03zu", number(rate).c_str(), index + 1);
    return std::string(text);
}

std::string ServingBenchmarkEngine::description() const
{
    return "Load-tests an OpenAI-compatible server across request rates (Poisson or Gamma arrivals): TTFT, TPOT, "
           "inter-token latency, throughput, SLO attainment and goodput, with a timeline lane per request.";
}

ParameterSchema ServingBenchmarkEngine::parameterSchema() const
{
    return {{
        {.key = "url", .label = "Server URL", .type = ParameterType::Text, .defaultValue = std::string("http://127.0.0.1:8000/v1"),
         .help = "Base URL of the OpenAI-compatible API (the part before /chat/completions). The key, if any, comes from "
                 "LATENCY_STUDIO_API_KEY or OPENAI_API_KEY."},
        {.key = "model", .label = "Model", .type = ParameterType::Text, .defaultValue = std::string(),
         .help = "Model name sent with each request; empty leaves it out (one-model servers use theirs)."},
        {.key = "endpoint", .label = "Endpoint", .type = ParameterType::Enum, .defaultValue = std::string("chat"),
         .help = "chat: /chat/completions with one user message; completions: /completions with the prompt as text.",
         .choices = {"chat", "completions"}},
        {.key = "rates", .label = "Request rates", .type = ParameterType::Vector, .defaultValue = std::vector<double>{0.5, 1, 2, 4},
         .minimum = 0.001, .maximum = 100000, .units = "req/s",
         .help = "The sweep: each rate runs its own requests, one after another. Goodput is interpolated between them."},
        {.key = "burstiness", .label = "Burstiness", .type = ParameterType::Float, .defaultValue = 1.0, .minimum = 0.01, .maximum = 100,
         .help = "Shape of the Gamma distribution of gaps between arrivals: 1 is Poisson, below 1 burstier, above 1 more regular."},
        {.key = "maxConcurrency", .label = "Max concurrency", .type = ParameterType::Int, .defaultValue = std::int64_t{64},
         .minimum = 1, .maximum = 4096, .units = "requests",
         .help = "At most this many requests in flight; later arrivals wait in the client (shown as queue)."},
        {.key = "requests", .label = "Requests per rate", .type = ParameterType::Int, .defaultValue = std::int64_t{20},
         .minimum = 1, .maximum = 100000},
        {.key = "warmupRequests", .label = "Warm-up requests", .type = ParameterType::Int, .defaultValue = std::int64_t{2},
         .minimum = 0, .maximum = 1000, .help = "Sent one at a time before the sweep and not measured."},
        {.key = "promptSource", .label = "Prompts", .type = ParameterType::Enum, .defaultValue = std::string("fixed"),
         .help = "fixed or uniform: synthetic prompts of that many common words (about one token each); file: a JSON Lines "
                 "prompt file.",
         .choices = {"fixed", "uniform", "file"}},
        {.key = "promptWords", .label = "Prompt words", .type = ParameterType::Int, .defaultValue = std::int64_t{64},
         .minimum = 1, .maximum = 200000, .units = "words", .help = "Fixed length, or the lower bound of the uniform range."},
        {.key = "promptWordsMax", .label = "Prompt words (max)", .type = ParameterType::Int, .defaultValue = std::int64_t{256},
         .minimum = 1, .maximum = 200000, .units = "words", .help = "Upper bound of the uniform range."},
        {.key = "promptFile", .label = "Prompt file", .type = ParameterType::File, .defaultValue = std::string(),
         .help = "JSON Lines, one {\"prompt\": \"...\", \"max_tokens\": N} a line; used in order, repeated as needed.",
         .fileFilter = "JSON Lines (*.jsonl *.json)"},
        {.key = "outputLengths", .label = "Output lengths", .type = ParameterType::Enum, .defaultValue = std::string("fixed"),
         .choices = {"fixed", "uniform"}},
        {.key = "outputTokens", .label = "Output tokens", .type = ParameterType::Int, .defaultValue = std::int64_t{32},
         .minimum = 1, .maximum = 1 << 20, .units = "tokens", .help = "max_tokens: fixed, or the lower bound of the uniform range."},
        {.key = "outputTokensMax", .label = "Output tokens (max)", .type = ParameterType::Int, .defaultValue = std::int64_t{128},
         .minimum = 1, .maximum = 1 << 20, .units = "tokens"},
        {.key = "ignoreEos", .label = "Ignore EOS", .type = ParameterType::Bool, .defaultValue = true,
         .help = "Ask the server to generate exactly max_tokens (vLLM and llama.cpp honour ignore_eos)."},
        {.key = "sloTtftMs", .label = "TTFT SLO", .type = ParameterType::Float, .defaultValue = 1000.0, .minimum = 0.001, .maximum = 1e7,
         .units = "ms"},
        {.key = "sloTpotMs", .label = "TPOT SLO", .type = ParameterType::Float, .defaultValue = 100.0, .minimum = 0.001, .maximum = 1e7,
         .units = "ms"},
        {.key = "sloShare", .label = "Required SLO share", .type = ParameterType::Float, .defaultValue = 90.0, .minimum = 1, .maximum = 100,
         .units = "%", .help = "Goodput is the highest rate at which this share of requests meets both SLOs."},
        {.key = "timeoutS", .label = "Request timeout", .type = ParameterType::Float, .defaultValue = 120.0, .minimum = 0.1, .maximum = 86400,
         .units = "s", .help = "A request that takes longer is aborted and counted as failed."},
        {.key = "seed", .label = "Seed", .type = ParameterType::Int, .defaultValue = std::int64_t{0}, .minimum = 0,
         .maximum = 9007199254740991.0, .help = "Arrivals and synthetic prompts; the same seed sends the same load."},
    }};
}

ServerSettings serverSettingsFrom(const ParameterValues& p)
{
    ServerSettings s;
    s.baseUrl = stringParameter(p, "url");
    refuseCredentialsInUrl(s.baseUrl);
    s.model = stringParameter(p, "model");
    s.chat = stringParameter(p, "endpoint") == "chat";
    s.ignoreEos = boolParameter(p, "ignoreEos");
    s.timeoutS = floatParameter(p, "timeoutS");
    for (const char* variable : {"LATENCY_STUDIO_API_KEY", "OPENAI_API_KEY"})
        if (const char* key = std::getenv(variable); key && *key) {
            s.apiKey = key;
            break;
        }
    return s;
}

Slo sloFrom(const ParameterValues& p)
{
    return {floatParameter(p, "sloTtftMs"), floatParameter(p, "sloTpotMs"), floatParameter(p, "sloShare") / 100.0};
}

RunOutput ServingBenchmarkEngine::run(const RunInputs&, const ParameterValues& p, RunContext& context)
{
    const ServerSettings server = serverSettingsFrom(p);
    const Slo slo = sloFrom(p);
    const std::vector<double> rates = ratesFrom(p);
    const auto perRate = static_cast<std::size_t>(intParameter(p, "requests"));
    const auto warmups = static_cast<std::size_t>(intParameter(p, "warmupRequests"));
    const int maxConcurrency = static_cast<int>(intParameter(p, "maxConcurrency"));
    const double burstiness = floatParameter(p, "burstiness");
    const auto seed = static_cast<std::uint64_t>(intParameter(p, "seed"));
    const std::string promptSource = stringParameter(p, "promptSource");
    const LengthDistribution outputs = lengths(p, stringParameter(p, "outputLengths"), "outputTokens", "outputTokensMax");
    const std::string promptFile = stringParameter(p, "promptFile");
    if (promptSource == "file" && promptFile.empty())
        throw ArgumentError("promptFile: choose a JSON Lines prompt file, or set Prompts to fixed or uniform");
    const LengthDistribution promptWords =
        promptSource == "file" ? LengthDistribution{} : lengths(p, promptSource, "promptWords", "promptWordsMax");
    auto workload = [&](std::size_t count, std::uint64_t s) {
        return promptSource == "file" ? fileRequests(promptFile, count, outputs, s) : syntheticRequests(count, promptWords, outputs, s);
    };
    // Read the prompt file before any request leaves: a bad file fails at once, not after warm-up.
    const std::vector<RequestSpec> warmupWorkload = workload(std::max<std::size_t>(warmups, 1), seed ^ 0x5eedULL);

    LatencyRecorder& recorder = context.recorder();
    const std::size_t total = warmups + perRate * rates.size();
    std::size_t done = 0;
    LoadCallbacks callbacks;
    callbacks.cancelled = [&context] { return context.cancelRequested(); };

    if (warmups > 0) {
        auto stage = recorder.stage("warm-up");
        callbacks.progress = [&](std::size_t finished) {
            context.progress(static_cast<double>(done + finished) / static_cast<double>(total),
                             "warm-up: " + std::to_string(finished) + "/" + std::to_string(warmups));
        };
        const std::vector<RequestSpec> warm(warmupWorkload.begin(), warmupWorkload.begin() + static_cast<std::ptrdiff_t>(warmups));
        // One at a time: a cold server's first requests load weights and compile graphs.
        const LoadRun run = runLoad(server, warm, std::vector<double>(warmups, 0.0), 1, callbacks);
        const auto failed = std::find_if(run.requests.begin(), run.requests.end(), [](const auto& r) { return !r.ok(); });
        if (failed != run.requests.end())
            throw StudioError(ErrorCategory::Engine, endpointUrl(server) + ": the warm-up request failed: " + failed->error);
        done += warmups;
    }

    Table requestsTable{{"rate (req/s)", "request", "status", "queue (ms)", "TTFT (ms)", "TPOT (ms)", "E2E (ms)", "prompt words",
                         "prompt tokens", "output tokens", "SLOs met", "error"},
                        {}};
    Table summary{{"rate (req/s)", "requests", "failed", "req/s done", "output tok/s", "TTFT p50", "TTFT p90", "TTFT p99",
                   "TPOT p50", "TPOT p90", "TPOT p99", "ITL p50", "ITL p99", "E2E p50", "E2E p99", "SLO attainment"},
                  {}};
    Grid gaps; // every inter-token gap: [G, 3] = rate index, request index, gap in ms (for export)
    gaps.width = 3;
    gaps.valueUnits = "ms";
    std::vector<std::string> rateNames;
    std::vector<std::vector<double>> ttftByRate, tpotByRate, itlByRate;
    std::vector<double> attainments, ttftAttainments, tpotAttainments;
    std::vector<std::vector<RequestMetrics>> metricsByRate;
    ClientOverhead overhead;
    double loadSeconds = 0;

    for (std::size_t r = 0; r < rates.size(); ++r) {
        const double rate = rates[r];
        const std::vector<double> arrivals = arrivalTimes(perRate, rate, burstiness, seed * 1000003ULL + r);
        const std::vector<RequestSpec> requests = workload(perRate, seed * 7919ULL + r + 1);
        auto stage = recorder.stage(rateStageName(rate));
        callbacks.progress = [&](std::size_t finished) {
            context.progress(static_cast<double>(done + finished) / static_cast<double>(total),
                             rateStageName(rate) + ": " + std::to_string(finished) + "/" + std::to_string(perRate) + " requests");
        };
        const LoadRun run = runLoad(server, requests, arrivals, maxConcurrency, callbacks);
        // The load run's clock origin in the recorder's time: both are steady clocks read now.
        const double recorderNowUs = recorder.nowUs();
        const double originUs = recorderNowUs - std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - run.origin).count();
        done += perRate;
        overhead.chunkHandlingUs.insert(overhead.chunkHandlingUs.end(), run.overhead.chunkHandlingUs.begin(), run.overhead.chunkHandlingUs.end());
        overhead.dispatchLagUs.insert(overhead.dispatchLagUs.end(), run.overhead.dispatchLagUs.begin(), run.overhead.dispatchLagUs.end());

        std::vector<RequestMetrics> metrics;
        double lastEndS = 0;
        for (std::size_t i = 0; i < run.requests.size(); ++i) {
            const RequestTiming& t = run.requests[i];
            const RequestMetrics m = metricsOf(t);
            lastEndS = std::max(lastEndS, t.endS);
            const std::string lane = requestLane(rate, i);
            auto span = [&](const char* name, double fromS, double toS) {
                if (toS > fromS)
                    recorder.addMeasuredStage(name, lane, originUs + fromS * 1e6, (toS - fromS) * 1e6);
            };
            span("queue", t.arrivalS, t.sendS);
            if (t.tokenS.empty()) {
                span("failed", t.sendS, t.endS);
            } else {
                span("prefill", t.sendS, t.tokenS.front());
                span(m.ok ? "decode" : "failed", t.tokenS.front(), t.endS);
            }
            for (double gap : m.itlMs)
                gaps.values.insert(gaps.values.end(), {static_cast<float>(r), static_cast<float>(i), static_cast<float>(gap)});
            requestsTable.rows.push_back({number(rate), std::to_string(i + 1), m.ok ? "ok" : (t.timedOut ? "timeout" : "failed"),
                                          ms(m.queueMs), ms(m.ttftMs), ms(m.tpotMs), ms(m.e2eMs), std::to_string(requests[i].promptWords),
                                          m.promptTokens >= 0 ? std::to_string(m.promptTokens) : "–", std::to_string(m.outputTokens),
                                          meetsBoth(m, slo) ? "yes" : "no", t.error});
            metrics.push_back(m);
        }
        loadSeconds += lastEndS;
        const RateSummary s = summarise(rate, metrics, lastEndS, slo);
        summary.rows.push_back({number(rate), std::to_string(s.requests), std::to_string(s.failed), number(s.requestThroughput),
                                number(s.outputTokenThroughput), ms(s.ttftMs.median), ms(s.ttftMs.p90), ms(s.ttftMs.p99),
                                ms(s.tpotMs.median), ms(s.tpotMs.p90), ms(s.tpotMs.p99), ms(s.itlMs.median), ms(s.itlMs.p99),
                                ms(s.e2eMs.median), ms(s.e2eMs.p99), percent(s.attainment)});
        rateNames.push_back(number(rate) + " req/s");
        std::vector<double> ttft, tpot, itl;
        for (const auto& m : metrics) {
            ttft.push_back(m.ttftMs);
            tpot.push_back(m.tpotMs);
            itl.insert(itl.end(), m.itlMs.begin(), m.itlMs.end());
        }
        ttftByRate.push_back(std::move(ttft));
        tpotByRate.push_back(std::move(tpot));
        itlByRate.push_back(std::move(itl));
        attainments.push_back(s.attainment);
        ttftAttainments.push_back(s.ttftAttainment);
        tpotAttainments.push_back(s.tpotAttainment);
        metricsByRate.push_back(std::move(metrics));
        if (context.publishes())
            context.publish({"summary", summary});
    }
    gaps.height = static_cast<int>(gaps.values.size() / 3);

    const Goodput goodput = goodputOf(rates, attainments, slo.share);
    Series curve;
    curve.xLabel = "request rate (req/s)";
    for (double rate : rates)
        curve.x.push_back(static_cast<float>(rate));
    auto floats = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
    // The goodput curve: attainment of both SLOs and the required share, whose legend gives the
    // goodput; each SLO's own attainment is a second plot (which SLO limits the rate).
    Series perSlo = curve;
    curve.curves = {{"both SLOs", 1, floats(attainments)},
                    {"required " + fixedDecimals(100 * slo.share, 0) + " % (goodput " + goodput.describe().substr(0, goodput.describe().find(" (")) + ")",
                     1, std::vector<float>(rates.size(), static_cast<float>(slo.share))}};
    perSlo.curves = {{"TTFT SLO", 1, floats(ttftAttainments)}, {"TPOT SLO", 1, floats(tpotAttainments)}, {"both SLOs", 1, floats(attainments)}};
    Series scaleCurve; // DistServe's second view: attainment as both SLOs are scaled
    scaleCurve.xLabel = "SLO scale (× the TTFT and TPOT SLOs)";
    for (double scale : kSloScales)
        scaleCurve.x.push_back(static_cast<float>(scale));
    for (std::size_t r = 0; r < rates.size(); ++r) {
        Attribute c{rateNames[r], 1, {}};
        for (double scale : kSloScales)
            c.values.push_back(static_cast<float>(attainment(metricsByRate[r], slo, scale)));
        scaleCurve.curves.push_back(std::move(c));
    }

    const SampleStats handling = overhead.chunkHandlingUs.empty() ? SampleStats{} : computeStats(overhead.chunkHandlingUs);
    const SampleStats lag = overhead.dispatchLagUs.empty() ? SampleStats{} : computeStats(overhead.dispatchLagUs);
    const double handlingTotalS = std::accumulate(overhead.chunkHandlingUs.begin(), overhead.chunkHandlingUs.end(), 0.0) * 1e-6;
    Table goodputTable{{"quantity", "value"}, {}};
    goodputTable.rows = {
        {"goodput", goodput.describe()},
        {"SLOs", "TTFT ≤ " + number(slo.ttftMs, 6) + " ms and TPOT ≤ " + number(slo.tpotMs, 6) + " ms for " + percent(slo.share) + " of requests"},
        {"server", endpointUrl(server) + (server.model.empty() ? "" : " (" + server.model + ")")},
        {"client: time per received chunk (median / p99)", number(handling.median) + " / " + number(handling.p99) + " µs over " +
                                                               std::to_string(handling.count) + " chunks"},
        {"client: share of the run spent handling chunks", loadSeconds > 0 ? fixedDecimals(100 * handlingTotalS / loadSeconds, 3) + " %" : "–"},
        {"client: send − planned arrival with a free slot (median / p99)", number(lag.median) + " / " + number(lag.p99) + " µs"},
    };

    RunOutput out;
    out.datasets.push_back({"summary", summary});
    out.datasets.push_back({"goodput", goodputTable});
    out.datasets.push_back({"goodput curve", curve});
    out.datasets.push_back({"attainment per SLO", perSlo});
    out.datasets.push_back({"SLO scale curve", scaleCurve});
    out.datasets.push_back({"TTFT CDF", cdfSeries("TTFT (ms)", rateNames, ttftByRate)});
    out.datasets.push_back({"TPOT CDF", cdfSeries("TPOT (ms)", rateNames, tpotByRate)});
    out.datasets.push_back({"ITL CDF", cdfSeries("inter-token latency (ms)", rateNames, itlByRate)});
    out.datasets.push_back({"requests", requestsTable});
    out.datasets.push_back({"inter-token gaps", gaps});
    return out;
}

std::vector<ReportSection> ServingBenchmarkEngine::reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const
{
    ReportSection section{"Serving latency", {}};
    auto find = [&](const std::string& name) -> const Dataset* {
        const auto it = std::find_if(datasets.begin(), datasets.end(), [&](const auto& d) { return d.name == name; });
        return it == datasets.end() ? nullptr : &*it;
    };
    for (const char* name : {"goodput", "summary"})
        if (const Dataset* d = find(name); d && std::holds_alternative<Table>(d->content))
            section.blocks.push_back(std::get<Table>(d->content));
    const std::pair<const char*, const char*> plots[] = {
        {"goodput curve", "SLO attainment against request rate; goodput is where 'both SLOs' crosses the required share."},
        {"attainment per SLO", "Attainment of each SLO alone and of both: which one limits the rate."},
        {"SLO scale curve", "SLO attainment as both SLOs are scaled (DistServe): below 1 stricter, above 1 looser."},
        {"TTFT CDF", "Time to first token, cumulative share of requests, one curve a rate."},
        {"TPOT CDF", "Time per output token after the first, cumulative share of requests, one curve a rate."},
    };
    for (const auto& [name, caption] : plots)
        if (const Dataset* d = find(name); d && std::holds_alternative<Series>(d->content))
            section.blocks.push_back(ReportPlot{caption, std::get<Series>(d->content)});
    if (section.blocks.empty())
        return {};
    return {section};
}

} // namespace ls::serving
