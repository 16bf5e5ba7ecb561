// The serving benchmark's arithmetic, without a server: the arrival process's rate and dispersion
// (fixed seeds, statistical bounds stated at each check), the per-request metrics against
// hand-computed values, SLO attainment, goodput interpolation, CDFs, and the prompt file reader.
#include "TestSupport.h"

#include "engine/core/Error.h"
#include "engine/core/SeriesOverlay.h"
#include "engine/serving/ArrivalProcess.h"
#include "engine/serving/ServingEngine.h"
#include "engine/serving/ServingMetrics.h"
#include "engine/serving/Workload.h"

#include <QTemporaryDir>

#include <cmath>
#include <fstream>
#include <numeric>

using namespace ls;
using namespace ls::serving;

namespace {

struct GapStats {
    double mean = 0, cv = 0;
};

GapStats gapStats(const std::vector<double>& times)
{
    std::vector<double> gaps;
    double previous = 0;
    for (double t : times) {
        gaps.push_back(t - previous);
        previous = t;
    }
    const double mean = std::accumulate(gaps.begin(), gaps.end(), 0.0) / static_cast<double>(gaps.size());
    double var = 0;
    for (double g : gaps)
        var += (g - mean) * (g - mean);
    var /= static_cast<double>(gaps.size() - 1);
    return {mean, std::sqrt(var) / mean};
}

RequestTiming timing(double arrival, double send, std::vector<double> tokens, double end, std::string error = {})
{
    RequestTiming t;
    t.arrivalS = arrival;
    t.sendS = send;
    t.firstByteS = tokens.empty() ? end : tokens.front();
    t.tokenS = std::move(tokens);
    t.endS = end;
    t.outputTokens = static_cast<int>(t.tokenS.size());
    t.error = std::move(error);
    return t;
}

} // namespace

class TestServingMetrics : public QObject {
    Q_OBJECT
private slots:
    void poissonArrivalsHaveTheRateAndUnitDispersion()
    {
        // 20,000 exponential gaps: the standard error of the mean gap is 0.7 % and of the CV
        // about 0.7 %, so 3 % bounds are over four standard errors.
        const auto times = arrivalTimes(20000, 5.0, 1.0, 42);
        QVERIFY(std::is_sorted(times.begin(), times.end()));
        QVERIFY(times.front() > 0);
        const GapStats s = gapStats(times);
        QVERIFY2(std::abs(s.mean - 0.2) < 0.2 * 0.03, qPrintable(QString::number(s.mean)));
        QVERIFY2(std::abs(s.cv - 1.0) < 0.03, qPrintable(QString::number(s.cv)));
        // Counts in 1 s windows of a Poisson process have variance = mean (index of dispersion 1).
        std::vector<int> counts(static_cast<std::size_t>(times.back()) + 1);
        for (double t : times)
            ++counts[static_cast<std::size_t>(t)];
        counts.pop_back(); // the last window is partial
        const double mean = std::accumulate(counts.begin(), counts.end(), 0.0) / static_cast<double>(counts.size());
        double var = 0;
        for (int c : counts)
            var += (c - mean) * (c - mean);
        var /= static_cast<double>(counts.size() - 1);
        QVERIFY2(std::abs(mean - 5.0) < 0.15, qPrintable(QString::number(mean)));
        // ~4,000 windows: the dispersion index's standard error is about sqrt(2/4000) = 2.2 %.
        QVERIFY2(std::abs(var / mean - 1.0) < 0.1, qPrintable(QString::number(var / mean)));
    }

    void gammaShapeSetsTheBurstiness()
    {
        // Gamma(k) gaps: CV = 1/sqrt(k). Shape 0.25 is twice as dispersed as Poisson, 4 half.
        for (const auto& [shape, cv] : {std::pair{0.25, 2.0}, std::pair{4.0, 0.5}}) {
            const GapStats s = gapStats(arrivalTimes(40000, 10.0, shape, 7));
            QVERIFY2(std::abs(s.mean - 0.1) < 0.1 * 0.04, qPrintable(QString::number(s.mean)));
            QVERIFY2(std::abs(s.cv - cv) < cv * 0.05, qPrintable(QString("shape %1: cv %2").arg(shape).arg(s.cv)));
        }
        QCOMPARE(arrivalTimes(10, 3.0, 1.0, 5), arrivalTimes(10, 3.0, 1.0, 5)); // seeded
        QVERIFY(arrivalTimes(10, 3.0, 1.0, 5) != arrivalTimes(10, 3.0, 1.0, 6));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, arrivalTimes(3, 0.0, 1.0, 1));
        QVERIFY_THROWS_EXCEPTION(ArgumentError, arrivalTimes(3, 1.0, -1.0, 1));
    }

    void requestMetricsByHand()
    {
        // Arrived at 1.0 s, sent at 1.5 s (waited for a slot), tokens at 1.7, 1.75, 1.85, end 1.9.
        const RequestMetrics m = metricsOf(timing(1.0, 1.5, {1.7, 1.75, 1.85}, 1.9));
        QVERIFY(m.ok);
        QVERIFY(std::abs(m.queueMs - 500) < 1e-9);
        QVERIFY(std::abs(m.ttftMs - 200) < 1e-9);
        QVERIFY(std::abs(m.e2eMs - 400) < 1e-9);
        QVERIFY(std::abs(m.tpotMs - 100) < 1e-9); // (1.9 − 1.7) / (3 − 1)
        QCOMPARE(m.itlMs.size(), std::size_t(2));
        QVERIFY(std::abs(m.itlMs[0] - 50) < 1e-9 && std::abs(m.itlMs[1] - 100) < 1e-9);
        // One token: no TPOT, and the TPOT SLO cannot be missed.
        const RequestMetrics one = metricsOf(timing(0, 0, {0.3}, 0.31));
        QVERIFY(std::isnan(one.tpotMs));
        QVERIFY(meetsTpot(one, Slo{1000, 1, 0.9}));
        // A failure misses both SLOs whatever its times.
        const RequestMetrics failed = metricsOf(timing(0, 0, {0.01}, 0.02, "HTTP 500: overloaded"));
        QVERIFY(!failed.ok);
        QVERIFY(!meetsBoth(failed, Slo{1000, 1000, 0.9}));
    }

    void attainmentCountsFailuresAndScales()
    {
        std::vector<RequestMetrics> requests;
        for (double ttft : {100.0, 200.0, 300.0, 400.0}) {
            RequestMetrics m;
            m.ok = true;
            m.ttftMs = ttft;
            m.tpotMs = 10;
            requests.push_back(m);
        }
        RequestMetrics failed; // ok = false
        requests.push_back(failed);
        const Slo slo{250, 20, 0.9};
        QCOMPARE(attainment(requests, slo), 2.0 / 5.0);
        QCOMPARE(attainment(requests, slo, 2.0), 4.0 / 5.0);  // 500 ms allowed
        QCOMPARE(attainment(requests, slo, 0.25), 0.0);       // 62.5 ms, and TPOT 5 ms: none
        const RateSummary s = summarise(2.0, requests, 4.0, slo);
        QCOMPARE(s.failed, std::size_t(1));
        QCOMPARE(s.succeeded, std::size_t(4));
        QCOMPARE(s.requestThroughput, 1.0);
        QCOMPARE(s.ttftMs.median, 250.0);
        QCOMPARE(s.attainment, 0.4);
        QCOMPARE(s.ttftAttainment, 0.4);
        QCOMPARE(s.tpotAttainment, 0.8);
    }

    void goodputInterpolatesTheCrossing()
    {
        // 0.95 at 2 req/s, 0.7 at 4: 0.9 is crossed a fifth of the way, at 2.4 req/s.
        const Goodput g = goodputOf({1, 2, 4, 8}, {1.0, 0.95, 0.7, 0.2}, 0.9);
        QCOMPARE(g.bound, GoodputBound::Interpolated);
        QVERIFY(std::abs(g.rate - 2.4) < 1e-12);
        // A rate that recovers after a miss does not count: goodput is where the share first fails.
        QVERIFY(std::abs(goodputOf({1, 2, 4}, {0.95, 0.85, 0.99}, 0.9).rate - 1.5) < 1e-12);
        const Goodput all = goodputOf({1, 2}, {1.0, 0.95}, 0.9);
        QCOMPARE(all.bound, GoodputBound::AtLeast);
        QCOMPARE(all.rate, 2.0);
        const Goodput none = goodputOf({1, 2}, {0.5, 0.1}, 0.9);
        QCOMPARE(none.bound, GoodputBound::BelowLowest);
        QVERIFY(QString::fromStdString(none.describe()).contains("below 1 req/s"));
        // Exactly at the share is meeting it.
        QCOMPARE(goodputOf({1, 2}, {0.9, 0.9}, 0.9).bound, GoodputBound::AtLeast);
    }

    void cdfIsTheEmpiricalShare()
    {
        const Series s = cdfSeries("TTFT (ms)", {"a", "b"}, {{10, 20, 30, 40}, {40, 40, std::nan("")}}, 5);
        QCOMPARE(s.x.size(), std::size_t(5));
        QCOMPARE(s.x.back(), 40.f);
        // x = 0, 10, 20, 30, 40
        const std::vector<float> a{0, 0.25f, 0.5f, 0.75f, 1.f}, b{0, 0, 0, 0, 1.f};
        QCOMPARE(s.curves[0].values, a);
        QCOMPARE(s.curves[1].values, b); // the NaN (a failed request) is not a sample
    }

    void twoRunsCurvesShareOnePlot()
    {
        // A measured at rates 1, 2, 4; B at 2, 3: the union of x, each interpolated in its range.
        const Series a{"rate", {1, 2, 4}, {{"both SLOs", 1, {1.0f, 0.8f, 0.4f}}}};
        const Series b{"rate", {2, 3}, {{"both SLOs", 1, {1.0f, 0.5f}}}};
        const Series both = overlaySeries(a, "A", b, "B");
        QCOMPARE(both.x, (std::vector<float>{1, 2, 3, 4}));
        QCOMPARE(both.curves.size(), std::size_t(2));
        QCOMPARE(both.curves[0].name, std::string("A · both SLOs"));
        QCOMPARE(both.curves[0].values[1], 0.8f);
        QVERIFY(std::abs(both.curves[0].values[2] - 0.6f) < 1e-6); // halfway from 0.8 to 0.4
        QVERIFY(std::isnan(both.curves[1].values[0]) && std::isnan(both.curves[1].values[3])); // outside B's rates
        QCOMPARE(both.curves[1].values[2], 0.5f);
        const Series unsorted{"rate", {2, 1}, {{"c", 1, {0, 0}}}};
        QVERIFY_THROWS_EXCEPTION(ArgumentError, overlaySeries(a, "A", unsorted, "B"));
    }

    void promptFileIsReadStrictly()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/prompts.jsonl").toStdString();
        std::ofstream(path) << "{\"prompt\": \"one two three\", \"max_tokens\": 5}\n\n{\"prompt\": \"four\"}\n";
        const auto requests = fileRequests(path, 5, {LengthRule::Fixed, 9, 9}, 1);
        QCOMPARE(requests.size(), std::size_t(5));
        QCOMPARE(requests[0].promptWords, 3);
        QCOMPARE(requests[0].maxTokens, 5);
        QCOMPARE(requests[1].maxTokens, 9); // not given: the output length rule
        QCOMPARE(requests[2].prompt, requests[0].prompt); // repeated in order
        auto refused = [&](const std::string& text, const char* expected) {
            std::ofstream(path) << text;
            try {
                fileRequests(path, 1, {}, 1);
            } catch (const FormatError& error) {
                QVERIFY2(QString(error.what()).contains(expected), error.what());
                QVERIFY2(QString(error.what()).contains("prompts.jsonl"), error.what());
                return;
            }
            QFAIL(qPrintable(QString("accepted: ") + text.c_str()));
        };
        refused("{\"text\": \"no prompt field\"}\n", "prompt");
        refused("{\"prompt\": \"x\", \"max_tokens\": 0}\n", "max_tokens");
        refused("{\"prompt\": \"x\", \"max_tokens\": 2.5}\n", "max_tokens");
        refused("[1, 2]\n", "expected an object");
        refused("{\"prompt\": \"x\"\n", "line 1");
        refused("\n\n", "no prompts");
        QVERIFY_THROWS_EXCEPTION(FileError, fileRequests(path + ".missing", 1, {}, 1));
    }

    void syntheticPromptsAreSeededAndSized()
    {
        const auto a = syntheticRequests(50, {LengthRule::Uniform, 10, 20}, {LengthRule::Fixed, 7, 7}, 3);
        QCOMPARE(a.size(), std::size_t(50));
        for (const auto& r : a) {
            QVERIFY(r.promptWords >= 10 && r.promptWords <= 20);
            QCOMPARE(std::count(r.prompt.begin(), r.prompt.end(), ' ') + 1, static_cast<long>(r.promptWords));
            QCOMPARE(r.maxTokens, 7);
        }
        QCOMPARE(a[4].prompt, syntheticRequests(50, {LengthRule::Uniform, 10, 20}, {LengthRule::Fixed, 7, 7}, 3)[4].prompt);
        QVERIFY(a[0].prompt != a[1].prompt);
    }

    void credentialsInTheUrlAreRefused()
    {
        ServingBenchmarkEngine engine;
        ParameterValues values = defaultValues(engine.parameterSchema());
        values["url"] = std::string("http://user:secret@127.0.0.1:8000/v1");
        QVERIFY_THROWS_EXCEPTION(ArgumentError, serverSettingsFrom(values));
        values["url"] = std::string("http://127.0.0.1:8000/v1?api_key=secret");
        QVERIFY_THROWS_EXCEPTION(ArgumentError, serverSettingsFrom(values));
        values["url"] = std::string("http://127.0.0.1:8000/v1");
        QCOMPARE(endpointUrl(serverSettingsFrom(values)), std::string("http://127.0.0.1:8000/v1/chat/completions"));
        values["endpoint"] = std::string("completions");
        QCOMPARE(endpointUrl(serverSettingsFrom(values)), std::string("http://127.0.0.1:8000/v1/completions"));
    }

    void requestBodyAsksForAStream()
    {
        ServerSettings server;
        server.model = "m";
        const auto body = nlohmann::json::parse(requestBody(server, {"hello there", 2, 12}));
        QCOMPARE(body["stream"].get<bool>(), true);
        QCOMPARE(body["max_tokens"].get<int>(), 12);
        QCOMPARE(body["model"].get<std::string>(), std::string("m"));
        QCOMPARE(body["messages"][0]["content"].get<std::string>(), std::string("hello there"));
        QCOMPARE(body["ignore_eos"].get<bool>(), true);
        server.model.clear();
        server.chat = false;
        const auto plain = nlohmann::json::parse(requestBody(server, {"hi", 1, 3}));
        QVERIFY(!plain.contains("model"));
        QCOMPARE(plain["prompt"].get<std::string>(), std::string("hi"));
    }
};

QTEST_GUILESS_MAIN(TestServingMetrics)
#include "tst_serving_metrics.moc"
