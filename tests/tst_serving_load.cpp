// The serving benchmark against a server whose timing is scripted (ScriptedTimingServer.h): the
// measured TTFT, TPOT, client queueing and goodput must match what the script and a queue model
// of its slots (modelTtftMs) predict, under concurrency. Bounds are stated at each check; they
// allow for a loaded 2-core machine waking a sleeping thread late by a few milliseconds.
#include "ScriptedTimingServer.h"
#include "TestSupport.h"

#include "engine/core/EngineRunner.h"
#include "engine/core/Error.h"
#include "engine/core/LatencyExport.h"
#include "engine/core/Statistics.h"
#include "engine/serving/ArrivalProcess.h"
#include "engine/serving/LoadClient.h"
#include "engine/serving/ServingEngine.h"
#include "engine/serving/ServingMetrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

using namespace ls;
using namespace ls::serving;

namespace {

// Per-request TTFT a server with `slots` slots gives, from the client's send times, when it
// serves requests in the order they got their first tokens. Two things the script does not fix
// are taken from what the client measured, because they differ from run to run on a loaded
// machine and neither is the client's to get right:
// - The order. The server queues requests as they reach it, and two sends a few ms apart can
//   reach it swapped (one opens a new connection, the other reuses one): on 2 cores under load,
//   requests sent 2.5 ms apart were served out of send order in 3 runs of 8.
// - When a slot is free again: when the client saw its request's last token (the server releases
//   the slot right after sending it), not when the script says. Each sleeping server thread wakes
//   a little late under load, and in a queue that lateness adds up: 16 queued requests ran 40-60 ms
//   behind the script's clock.
// What is left to check is what the client must get right: the queueing wait it reports (a client
// that sent one request at a time would see no queue, and the overload check below fails), and
// TTFT from its own send to the first token (timing it to the second token puts the first test's
// median error at 8.5 ms, over its 5 ms bound). Every request must have succeeded: a failed one
// has no tokens and no place in the queue.
std::vector<double> modelTtftMs(const LoadRun& run, const TimingScript& script)
{
    const auto servedAt = [](const RequestTiming& r) { return r.tokenS.empty() ? r.endS : r.tokenS.front(); };
    std::vector<std::size_t> order(run.requests.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](auto a, auto b) { return servedAt(run.requests[a]) < servedAt(run.requests[b]); });
    std::vector<double> slotFree(static_cast<std::size_t>(script.slotCount), 0.0);
    std::vector<double> ttft(run.requests.size());
    for (std::size_t i : order) {
        const RequestTiming& r = run.requests[i];
        const auto slot = std::min_element(slotFree.begin(), slotFree.end());
        const double start = std::max(r.sendS, *slot);
        ttft[i] = (start - r.sendS) * 1000 + script.ttftMs;
        *slot = r.tokenS.empty() ? r.endS : r.tokenS.back();
    }
    return ttft;
}

std::vector<RequestSpec> fixedRequests(std::size_t count, int tokens)
{
    return syntheticRequests(count, {LengthRule::Fixed, 16, 16}, {LengthRule::Fixed, tokens, tokens}, 1);
}

// `count` requests of `tokens` tokens each, Poisson arrivals at `rate`, against `server` playing
// `script`: the client's measurements and the TTFT the queue model expects for each request.
struct ScriptedRun {
    std::vector<RequestSpec> requests;
    LoadRun run;
    std::vector<double> expectedTtftMs;
};

ScriptedRun runAgainstScript(const ServerSettings& settings, const TimingScript& script, std::size_t count, int tokens,
                             double rate, std::uint64_t seed)
{
    ScriptedRun out;
    out.requests = fixedRequests(count, tokens);
    out.run = runLoad(settings, out.requests, arrivalTimes(count, rate, 1, seed), 64, {});
    out.expectedTtftMs = modelTtftMs(out.run, script);
    return out;
}

double quantile(std::vector<double> v, double q)
{
    std::sort(v.begin(), v.end());
    return percentileOfSorted(v, q);
}

double median(const std::vector<double>& v)
{
    return quantile(v, 0.5);
}

ServerSettings settingsFor(const ScriptedTimingServer& server)
{
    ServerSettings s;
    s.baseUrl = server.baseUrl();
    s.timeoutS = 30;
    return s;
}

} // namespace

class TestServingLoad : public QObject {
    Q_OBJECT
private slots:
    void ttftAndTpotMatchTheScriptUnderConcurrency()
    {
        // 4 slots, 40 ms to the first token, 8 ms a token after: at 20 req/s about 2.6 requests
        // are in service on average, and bursts queue at the server.
        const TimingScript script{40, 8, 4};
        ScriptedTimingServer server(script);
        const auto [requests, run, expected] = runAgainstScript(settingsFor(server), script, 30, 12, 20, 11);
        std::vector<double> ttftErrors, tpotErrors;
        for (std::size_t i = 0; i < run.requests.size(); ++i) {
            const RequestMetrics m = metricsOf(run.requests[i]);
            QVERIFY2(m.ok, run.requests[i].error.c_str());
            QCOMPARE(m.outputTokens, 12); // the server's usage count
            QCOMPARE(run.requests[i].promptTokens, 7);
            ttftErrors.push_back(std::abs(m.ttftMs - expected[i]));
            tpotErrors.push_back(std::abs(m.tpotMs - script.tpotMs));
            QVERIFY(m.ttftMs < m.e2eMs);
            QCOMPARE(m.itlMs.size(), std::size_t(11));
        }
        // Bound: 90 % of the TTFTs within 25 ms of the queue model and their median within 5 ms;
        // 90 % of the TPOTs within 3 ms of the script's 8 ms (a late token moves TPOT by its
        // delay / 11). Not every one: on a loaded 2-core machine a thread descheduled for 30 ms
        // moved one request past 25 ms once, while a wrong queue model or clock moves most of them.
        const double worstTtft = *std::max_element(ttftErrors.begin(), ttftErrors.end());
        const double worstTpot = *std::max_element(tpotErrors.begin(), tpotErrors.end());
        qInfo("TTFT error: worst %.2f ms, p90 %.2f ms, median %.2f ms; TPOT error: worst %.3f ms, p90 %.3f ms", worstTtft,
              quantile(ttftErrors, 0.9), median(ttftErrors), worstTpot, quantile(tpotErrors, 0.9));
        QVERIFY2(quantile(ttftErrors, 0.9) < 25, qPrintable(QString("p90 TTFT error %1 ms").arg(quantile(ttftErrors, 0.9))));
        QVERIFY2(median(ttftErrors) < 5, qPrintable(QString("median TTFT error %1 ms").arg(median(ttftErrors))));
        QVERIFY2(quantile(tpotErrors, 0.9) < 3, qPrintable(QString("p90 TPOT error %1 ms").arg(quantile(tpotErrors, 0.9))));
        // The client's own cost, as the engine reports it: a chunk is handled in well under a ms.
        QVERIFY(!run.overhead.chunkHandlingUs.empty());
        QVERIFY2(median(run.overhead.chunkHandlingUs) < 1000, "chunk handling took over 1 ms");
    }

    void anOverloadedServerQueuesAsTheModelSays()
    {
        // One slot serving 55 ms a request, offered 30 req/s: the queue grows, and TTFT with it.
        const TimingScript script{20, 5, 1};
        ScriptedTimingServer server(script);
        const auto [requests, run, expected] = runAgainstScript(settingsFor(server), script, 16, 8, 30, 3);
        std::vector<double> errors;
        for (std::size_t i = 0; i < run.requests.size(); ++i) {
            QVERIFY2(run.requests[i].ok(), run.requests[i].error.c_str());
            errors.push_back(std::abs(metricsOf(run.requests[i]).ttftMs - expected[i]));
        }
        const double p90 = quantile(errors, 0.9);
        qInfo("overloaded: worst TTFT error %.2f ms, p90 %.2f ms, largest modelled TTFT %.0f ms",
              *std::max_element(errors.begin(), errors.end()), p90, *std::max_element(expected.begin(), expected.end()));
        QVERIFY2(*std::max_element(expected.begin(), expected.end()) > 200, "the script did not overload the server");
        // As above: 90 % within 25 ms, since one descheduled thread must not fail the check.
        QVERIFY2(p90 < 25, qPrintable(QString("p90 TTFT error %1 ms").arg(p90)));
    }

    void goodputMatchesTheScript()
    {
        // One slot at 55 ms a request serves about 18 req/s. SLOs: TTFT 120 ms, TPOT 10 ms, 90 %.
        // Requests whose modelled TTFT lies within 20 ms of the SLO may go either way; the measured
        // attainment must lie between the model's with them all missed and all met, and so must
        // the goodput.
        const TimingScript script{20, 5, 1};
        ScriptedTimingServer server(script);
        const Slo slo{120, 10, 0.9};
        const std::vector<double> rates{4, 8, 16, 32};
        std::vector<double> measured, low, high;
        for (std::size_t r = 0; r < rates.size(); ++r) {
            const auto [requests, run, expected] = runAgainstScript(settingsFor(server), script, 20, 8, rates[r], 100 + r);
            std::vector<RequestMetrics> metrics;
            double sure = 0, maybe = 0;
            for (std::size_t i = 0; i < run.requests.size(); ++i) {
                QVERIFY2(run.requests[i].ok(), run.requests[i].error.c_str());
                metrics.push_back(metricsOf(run.requests[i]));
                if (expected[i] < slo.ttftMs - 20)
                    ++sure;
                else if (expected[i] <= slo.ttftMs + 20)
                    ++maybe;
            }
            measured.push_back(attainment(metrics, slo));
            low.push_back(sure / 20);
            high.push_back((sure + maybe) / 20);
            QVERIFY2(measured.back() >= low.back() - 1e-9 && measured.back() <= high.back() + 1e-9,
                     qPrintable(QString("%1 req/s: attainment %2 outside the model's [%3, %4]")
                                    .arg(rates[r]).arg(measured.back()).arg(low.back()).arg(high.back())));
        }
        const Goodput g = goodputOf(rates, measured, slo.share);
        qInfo("goodput measured %.2f req/s, model [%.2f, %.2f]", g.rate, goodputOf(rates, low, slo.share).rate, goodputOf(rates, high, slo.share).rate);
        const Goodput gLow = goodputOf(rates, low, slo.share), gHigh = goodputOf(rates, high, slo.share);
        QVERIFY2(g.rate >= gLow.rate - 1e-9 && g.rate <= gHigh.rate + 1e-9,
                 qPrintable(QString("goodput %1 outside [%2, %3]").arg(g.rate).arg(gLow.rate).arg(gHigh.rate)));
        QVERIFY2(measured.front() >= 0.9 && measured.back() < 0.9, "the sweep should cross the required share");
    }

    void maxConcurrencyHoldsRequestsInTheClient()
    {
        ScriptedTimingServer server({30, 2, 8});
        const auto requests = fixedRequests(10, 4);
        const LoadRun run = runLoad(settingsFor(server), requests, std::vector<double>(10, 0.001), 2, {});
        int held = 0;
        for (const auto& r : run.requests) {
            QVERIFY2(r.ok(), r.error.c_str());
            held += r.heldForSlot;
            // In flight when this one was sent: at most one other.
            const auto overlapping = std::count_if(run.requests.begin(), run.requests.end(), [&](const auto& o) {
                return &o != &r && o.sendS <= r.sendS && o.endS > r.sendS;
            });
            QVERIFY2(overlapping <= 1, qPrintable(QString("%1 requests in flight").arg(overlapping + 1)));
        }
        QCOMPARE(held, 8);
        // The last pair waited for four pairs of 36 ms requests.
        const double lastQueueMs = metricsOf(run.requests.back()).queueMs;
        QVERIFY2(lastQueueMs > 4 * 36 - 10, qPrintable(QString::number(lastQueueMs)));
    }

    void failuresAndTimeoutsAreCountedNotDropped()
    {
        {
            ScriptedTimingServer server({10, 1, 4, 3}); // every third request: HTTP 500
            const LoadRun run = runLoad(settingsFor(server), fixedRequests(9, 3), arrivalTimes(9, 50, 1, 1), 64, {});
            const auto failed = std::count_if(run.requests.begin(), run.requests.end(), [](const auto& r) { return !r.ok(); });
            QCOMPARE(failed, 3L);
            for (const auto& r : run.requests)
                if (!r.ok())
                    QVERIFY2(r.error == "HTTP 500: scripted failure", r.error.c_str());
        }
        {
            ScriptedTimingServer server({400, 1, 4});
            ServerSettings settings = settingsFor(server);
            settings.timeoutS = 0.1;
            const LoadRun run = runLoad(settings, fixedRequests(3, 3), {0.0, 0.0, 0.0}, 64, {});
            for (const auto& r : run.requests) {
                QVERIFY(r.timedOut);
                QVERIFY2(r.error.starts_with("timed out"), r.error.c_str());
            }
        }
        {
            ServerSettings settings;
            settings.baseUrl = "http://127.0.0.1:9/v1"; // discard port: nothing listens
            const LoadRun run = runLoad(settings, fixedRequests(1, 3), {0.0}, 1, {});
            QVERIFY(!run.requests[0].ok());
            QVERIFY2(!run.requests[0].error.empty(), "a refused connection needs a message");
        }
        ServerSettings bad;
        bad.baseUrl = "ftp://127.0.0.1/v1";
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runLoad(bad, fixedRequests(1, 3), {0.0}, 1, {}));
    }

    void cancelStopsTheLoad()
    {
        ScriptedTimingServer server({200, 1, 1});
        LoadCallbacks callbacks;
        int polls = 0;
        callbacks.cancelled = [&] { return ++polls > 3; };
        QVERIFY_THROWS_EXCEPTION(CancelledError, runLoad(settingsFor(server), fixedRequests(5, 3), std::vector<double>(5, 0.0), 5, callbacks));
    }

    void theEngineRecordsEveryRequest()
    {
        ScriptedTimingServer server({15, 2, 2, 5}); // every fifth request fails
        ServingBenchmarkEngine engine;
        ParameterValues values = defaultValues(engine.parameterSchema());
        values["url"] = server.baseUrl();
        values["rates"] = std::vector<double>{20, 40};
        values["requests"] = std::int64_t{10};
        values["warmupRequests"] = std::int64_t{0}; // a warm-up that fails would stop the run
        values["outputTokens"] = std::int64_t{6};
        RunRequest request;
        request.parameters = values;
        request.repeats = 1;
        request.warmupRepeats = 0;
        request.device = "cpu";
        const CompletedRun completed = runEngine(engine, request);
        auto table = [&](const std::string& name) -> const Table& {
            for (const auto& d : completed.output.datasets)
                if (d.name == name)
                    return std::get<Table>(d.content);
            throw std::runtime_error("no dataset " + name);
        };
        QCOMPARE(table("summary").rows.size(), std::size_t(2));
        const Table& requests = table("requests");
        QCOMPARE(requests.rows.size(), std::size_t(20));
        const auto failed = std::count_if(requests.rows.begin(), requests.rows.end(), [](const auto& row) { return row[2] == "failed"; });
        QCOMPARE(failed, 4L);
        for (const auto& row : table("summary").rows)
            QCOMPARE(row[2], std::string("2")); // failed per rate
        QVERIFY(table("goodput").rows.front()[1].find("below 20 req/s") != std::string::npos); // 80 % < 90 %
        // One lane a request, with its spans under its rate's stage.
        std::set<std::string> lanes;
        std::size_t prefills = 0;
        for (const auto& s : completed.latency.samples) {
            if (s.lane != "cpu")
                lanes.insert(s.lane);
            prefills += s.path.ends_with("/prefill");
        }
        QCOMPARE(lanes.size(), std::size_t(20));
        QCOMPARE(prefills, std::size_t(16));
        QVERIFY(std::find(completed.latency.stagePaths().begin(), completed.latency.stagePaths().end(), "rate 20 rps/decode") !=
                completed.latency.stagePaths().end());
        const std::string chrome = toChromeTrace(completed.latency).dump();
        QVERIFY2(chrome.find("\"name\":\"20 #001\"") != std::string::npos, "the Chrome trace names a thread per request");
        QCOMPARE(engine.reportSections(completed.output.datasets, {}).size(), std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestServingLoad)
#include "tst_serving_load.moc"
