// Reasoning-trace signals: entropy and JSD against closed forms and their properties on random
// distributions, the per-step index, every importer on good and malformed input, and the dataset
// metrics on hand-computed cases.
#include "SignalCases.h"
#include "GpuCheckSupport.h"
#include "TestSupport.h"
#include "engine/core/DatasetIO.h"
#include "engine/core/Error.h"
#include "engine/core/EngineRunner.h"
#include "engine/signals/DatasetMetrics.h"
#include "engine/signals/InstabilityEngine.h"
#include "engine/signals/StepSegmentation.h"
#include "engine/signals/Signals.h"
#include "engine/signals/SignalsCuda.h"
#include "engine/core/Device.h"
#include "engine/signals/TraceImport.h"

#include <cmath>
#include <map>

using namespace ls;
using namespace ls::reasoning;

namespace {

std::vector<double> randomDistribution(std::size_t n)
{
    std::vector<double> p(n);
    double total = 0;
    for (auto& x : p)
        total += x = test::uniform(0.01f, 1.f);
    for (auto& x : p)
        x /= total;
    return p;
}

// A trace whose step t offers the given (token, probability) alternatives.
Trace traceOf(TraceSet& set, const std::vector<std::vector<std::pair<std::string, double>>>& steps)
{
    Trace trace;
    for (const auto& alternatives : steps) {
        Step step{set.vocabulary.intern(alternatives.front().first), static_cast<float>(std::log(alternatives.front().second)), {}};
        for (const auto& [token, p] : alternatives)
            step.top.push_back({set.vocabulary.intern(token), static_cast<float>(std::log(p))});
        trace.steps.push_back(step);
    }
    return trace;
}

// The GPU path's per-step arrays against the CPU's signals (SignalCases.h holds the comparison).
void compareWithCpu(const StepSignalArrays& gpu, const std::vector<Trace>& traces, const SignalSettings& settings)
{
    test::CheckOutcome outcome;
    test::compareStepSignals(gpu, traces, settings, outcome);
    QVERIFY2(outcome.passed(), outcome.summary().c_str());
}

} // namespace

class TestSignals : public QObject {
    Q_OBJECT
private slots:
    void entropyClosedForms()
    {
        const int n = static_cast<int>(test::uniformInt(2, 50));
        QVERIFY(std::abs(entropyOf(std::vector<double>(n, 1.0 / n), LogBase::Natural) - std::log(n)) < 1e-12);
        QVERIFY(std::abs(entropyOf(std::vector<double>(n, 1.0 / n), LogBase::Two) - std::log2(n)) < 1e-12);
        const double p = test::uniform(0.01f, 0.99f);
        QVERIFY(std::abs(entropyOf({p, 1 - p}, LogBase::Natural) - (-p * std::log(p) - (1 - p) * std::log(1 - p))) < 1e-12);
        QCOMPARE(entropyOf({1.0}, LogBase::Natural), 0.0);
    }

    void jensenShannonClosedFormsAndProperties()
    {
        // Disjoint supports: ln 2 nats, 1 bit. Identical: 0.
        // JSD uses single-precision logarithms where both sides share a token (the signals are
        // stored as float): agreement with the double-precision closed forms within 1e-6.
        QVERIFY(std::abs(jensenShannon({1, 0}, {0, 1}, LogBase::Natural) - std::log(2.0)) < 1e-6);
        QVERIFY(std::abs(jensenShannon({1, 0}, {0, 1}, LogBase::Two) - 1.0) < 1e-6);
        const auto p = randomDistribution(static_cast<std::size_t>(test::uniformInt(2, 30)));
        QVERIFY(jensenShannon(p, p, LogBase::Natural) < 1e-6);
        // Two-point closed form: JSD = H(m) − (H(p) + H(q)) / 2.
        const double a = test::uniform(0.01f, 0.99f), b = test::uniform(0.01f, 0.99f), m = (a + b) / 2;
        const double expected = entropyOf({m, 1 - m}, LogBase::Natural) -
                                (entropyOf({a, 1 - a}, LogBase::Natural) + entropyOf({b, 1 - b}, LogBase::Natural)) / 2;
        QVERIFY(std::abs(jensenShannon({a, 1 - a}, {b, 1 - b}, LogBase::Natural) - expected) < 1e-6);
        for (int trial = 0; trial < 50; ++trial) {
            const std::size_t n = static_cast<std::size_t>(test::uniformInt(2, 25));
            const auto x = randomDistribution(n), y = randomDistribution(n);
            const double xy = jensenShannon(x, y, LogBase::Two), yx = jensenShannon(y, x, LogBase::Two);
            QVERIFY(std::abs(xy - yx) < 1e-6);
            QVERIFY(xy >= 0 && xy <= 1 + 1e-6);
        }
    }

    void stepSignalsUseTheUnionOfSupports()
    {
        TraceSet set;
        // Step 0: {a: .5, b: .5}; step 1: {b: .5, c: .5}; step 2: {c: .2, d: .2} (renormalised to .5/.5).
        const Trace trace = traceOf(set, {{{"a", .5}, {"b", .5}}, {{"b", .5}, {"c", .5}}, {{"c", .2}, {"d", .2}}});
        SignalSettings settings;
        settings.lambda = test::uniform(0.f, 1.f);
        const TraceSignals s = computeSignals(trace, settings);
        QCOMPARE(s.divergence[0], 0.0f);
        const double expected01 = jensenShannon({.5, .5, 0}, {0, .5, .5}, LogBase::Natural);
        QVERIFY(std::abs(s.divergence[1] - expected01) < 1e-6);
        QVERIFY(std::abs(s.entropy[2] - std::log(2.0)) < 1e-6); // renormalised top-k
        QVERIFY(std::abs(s.instability[1] - (s.divergence[1] + settings.lambda * s.entropy[1])) < 1e-6);

        // The tail bucket keeps the missing mass: {c: .2, d: .2, other: .6}.
        settings.tailBucket = true;
        const TraceSignals tail = computeSignals(trace, settings);
        QVERIFY(std::abs(tail.entropy[2] - entropyOf({.2, .2, .6}, LogBase::Natural)) < 1e-6);

        // k = 1 keeps only the most likely alternative: zero entropy.
        settings.tailBucket = false;
        settings.topK = 1;
        QCOMPARE(computeSignals(trace, settings).entropy[0], 0.0f);
    }

    // Steps with thousands of alternatives once hung the CPU path (a fixed 1,024-slot index).
    void thousandsOfAlternativesPerStep()
    {
        constexpr int k = 4096;
        Trace trace;
        std::vector<double> weights[2];
        for (int t = 0; t < 2; ++t) {
            Step step{static_cast<TokenId>(t), -1.0f, {}};
            for (int i = 0; i < k; ++i) {
                const float lp = -test::uniform(0.5f, 20.f);
                step.top.push_back({static_cast<TokenId>(t * k / 2 + i), lp}); // half of each step's tokens shared
                weights[t].push_back(std::exp(static_cast<double>(lp)));
            }
            trace.steps.push_back(step);
        }
        const TraceSignals computed = computeSignals(trace, SignalSettings{});
        double entropy = 0, jsd = 0, totals[2] = {0, 0};
        for (int t = 0; t < 2; ++t)
            for (double w : weights[t])
                totals[t] += w;
        for (double w : weights[1])
            entropy -= (w / totals[1]) * std::log(w / totals[1]);
        // JSD over the union: tokens [0, k/2) only in step 0, [k/2, k) in both, [k, 3k/2) only in step 1.
        auto term = [](double x) { return x > 0 ? x * std::log(x) : 0.0; };
        for (int token = 0; token < 3 * k / 2; ++token) {
            const double p = token < k ? weights[0][token] / totals[0] : 0.0;
            const double q = token >= k / 2 ? weights[1][token - k / 2] / totals[1] : 0.0;
            jsd += 0.5 * term(p) + 0.5 * term(q) - term(0.5 * (p + q));
        }
        QVERIFY2(std::abs(computed.entropy[1] - entropy) < 1e-4 * entropy, qPrintable(QString::number(computed.entropy[1])));
        QVERIFY2(std::abs(computed.divergence[1] - jsd) < 1e-4, qPrintable(QString("%1 vs %2").arg(computed.divergence[1]).arg(jsd)));
    }

    void peakSmoothingAndPrefixWindows()
    {
        TraceSet set;
        std::vector<std::vector<std::pair<std::string, double>>> steps;
        const int length = static_cast<int>(test::uniformInt(30, 300));
        const int spike = static_cast<int>(test::uniformInt(length / 2, length - 1));
        for (int t = 0; t < length; ++t)
            steps.push_back(t == spike ? std::vector<std::pair<std::string, double>>{{"x", .25}, {"y", .25}, {"z", .25}, {"w", .25}}
                                       : std::vector<std::pair<std::string, double>>{{"a", .999}, {"b", .001}});
        const Trace trace = traceOf(set, steps);
        SignalSettings settings;
        const TraceSignals s = computeSignals(trace, settings);
        QCOMPARE(s.peakStep, std::size_t(spike));
        QVERIFY(std::abs(s.peakPosition - static_cast<double>(spike) / length) < 1e-12);
        QCOMPARE(s.peakBin, s.peakPosition < 1.0 / 3 ? 0 : s.peakPosition < 2.0 / 3 ? 1 : 2);
        QCOMPARE(s.prefixPeak.size(), std::min<std::size_t>(length, kMaxPrefixWindow));
        QVERIFY(std::is_sorted(s.prefixPeak.begin(), s.prefixPeak.end()));

        settings.smoothingWindow = 3; // trailing mean: the spike spreads forward, never backward
        const TraceSignals smooth = computeSignals(trace, settings);
        QVERIFY(std::abs(smooth.instability[spike] - (s.instability[spike] + s.instability[spike - 1] + s.instability[spike - 2]) / 3) < 1e-5);
        QVERIFY(std::abs(smooth.instability[spike - 1] - (s.instability[spike - 1] + s.instability[spike - 2] + s.instability[spike - 3]) / 3) < 1e-5);
    }

    void importsEveryShape_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("traces");
        QTest::addColumn<int>("steps");
        QTest::addColumn<QString>("format");
        QTest::newRow("openai chat") << R"({"id":"r1","choices":[{"logprobs":{"content":[{"token":"Hi","logprob":-0.1,"top_logprobs":[{"token":"Hi","logprob":-0.1},{"token":"Hello","logprob":-2.4}]},{"token":"!","logprob":-0.5,"top_logprobs":[]}]}}],"correct":true})"
                                     << 1 << 2 << "OpenAI chat completions";
        QTest::newRow("openai stream") << QString(R"({"id":"s","object":"chat.completion.chunk","choices":[{"delta":{"content":"A"},"logprobs":{"content":[{"token":"A","logprob":-0.2,"top_logprobs":[{"token":"A","logprob":-0.2}]}]}}]}
{"id":"s","object":"chat.completion.chunk","choices":[{"delta":{"content":"B"},"logprobs":{"content":[{"token":"B","logprob":-0.3,"top_logprobs":[{"token":"B","logprob":-0.3}]}]}}]}
{"id":"s","object":"chat.completion.chunk","choices":[{"delta":{},"logprobs":null,"finish_reason":"stop"}]})")
                                       << 1 << 2 << "OpenAI chat completion stream";
        QTest::newRow("legacy") << R"({"choices":[{"text":"ab","logprobs":{"tokens":["a","b"],"token_logprobs":[null,-0.7],"top_logprobs":[{"a":-0.1,"c":-2.5},{"b":-0.7,"d":-0.9}]}}],"label":"incorrect"})"
                                << 1 << 2 << "OpenAI legacy completions";
        QTest::newRow("llama.cpp old") << R"({"content":"xy","completion_probabilities":[{"content":"x","probs":[{"tok_str":"x","prob":0.7},{"tok_str":"z","prob":0.2}]}]})"
                                       << 1 << 1 << "llama.cpp completion_probabilities";
        QTest::newRow("llama.cpp new") << R"({"completion_probabilities":[{"id":1,"token":"x","logprob":-0.3,"top_logprobs":[{"id":1,"token":"x","logprob":-0.3}]},{"id":2,"token":"y","logprob":-0.1,"top_logprobs":[]}]})"
                                       << 1 << 2 << "llama.cpp completion_probabilities";
        QTest::newRow("llama.cpp post-sampling") << R"({"completion_probabilities":[{"token":"x","prob":0.6,"top_probs":[{"token":"x","prob":0.6},{"token":"q","prob":0.4}]}]})"
                                                 << 1 << 1 << "llama.cpp completion_probabilities";
        QTest::newRow("llama.cpp stream") << QString(R"({"content":"x","stop":false,"completion_probabilities":[{"token":"x","logprob":-0.2,"top_logprobs":[]}]}
{"content":"y","stop":false,"completion_probabilities":[{"token":"y","logprob":-0.4,"top_logprobs":[]}]}
{"content":"","stop":true,"completion_probabilities":[],"correct":0})")
                                          << 1 << 2 << "llama.cpp stream";
        QTest::newRow("plain jsonl, two traces") << QString(R"({"tokens":["a","b"],"top_tokens":[["a","c"],["b"]],"top_logprobs":[[-0.1,-2.0],[-0.01]],"correct":1}
{"tokens":["c"],"top_tokens":[["c","d"]],"top_logprobs":[[-0.5,-0.9]],"correct":0})")
                                                 << 2 << 1 << "plain JSONL";
        QTest::newRow("pretty-printed array") << QString("[\n  {\"tokens\": [\"a\"],\n   \"top_tokens\": [[\"a\"]],\n   \"top_logprobs\": [[-0.1]]},\n"
                                                         "  {\"tokens\": [\"b\"], \"top_tokens\": [[\"b\"]], \"top_logprobs\": [[-0.2]]}\n]\n")
                                              << 2 << 1 << "plain JSONL";
    }
    void importsEveryShape()
    {
        QFETCH(QString, text);
        QFETCH(int, traces);
        QFETCH(int, steps);
        QFETCH(QString, format);
        const TraceSet set = importTraceText(text.toStdString(), "t.jsonl");
        QCOMPARE(static_cast<int>(set.traces.size()), traces);
        QCOMPARE(static_cast<int>(set.traces.back().steps.size()), steps);
        QCOMPARE(QString::fromStdString(set.format), format);
        for (const auto& trace : set.traces)
            for (const auto& step : trace.steps)
                QVERIFY(step.logprob <= 0 && std::isfinite(step.logprob));
    }

    void labelsAndProbabilities()
    {
        const TraceSet legacy = importTraceText(
            R"({"choices":[{"logprobs":{"tokens":["a"],"token_logprobs":[-0.7],"top_logprobs":[{"a":-0.7}]}}],"label":"incorrect","answer":"42"})", "l.json");
        QCOMPARE(legacy.traces[0].correct, std::optional<bool>(false));
        QCOMPARE(legacy.traces[0].answer, std::string("42"));
        const TraceSet post = importTraceText(R"({"completion_probabilities":[{"token":"x","prob":0.25,"top_probs":[{"token":"x","prob":0.25}]}]})", "p.json");
        QVERIFY(std::abs(post.traces[0].steps[0].logprob - std::log(0.25f)) < 1e-6);
        QVERIFY(!post.notes.empty()); // the conversion is reported
        // vLLM's own fields bring a note on what its --logprobs-mode means, once per file.
        const TraceSet vllm = importTraceText(
            QString(R"({"id":"v","prompt_logprobs":null,"choices":[{"stop_reason":null,"logprobs":{"content":[{"token":"a","logprob":-0.2,"top_logprobs":[]}]}}]})"
                    "\n"
                    R"({"id":"w","prompt_logprobs":null,"choices":[{"stop_reason":null,"logprobs":{"content":[{"token":"b","logprob":-0.1,"top_logprobs":[]}]}}]})")
                .toStdString(), "v.jsonl");
        QCOMPARE(vllm.notes.size(), std::size_t{1});
        QVERIFY(QString::fromStdString(vllm.notes[0]).contains("--logprobs-mode"));
        QVERIFY(importTraceText(R"({"choices":[{"logprobs":{"content":[{"token":"a","logprob":-0.2,"top_logprobs":[]}]}}]})", "o.json").notes.empty());
    }

    void malformedInputNamesLineAndField_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        const QString good = R"({"tokens":["a"],"top_tokens":[["a"]],"top_logprobs":[[-0.1]]})";
        QTest::newRow("truncated json") << good + "\n" + good.left(30) << "t.jsonl line 2: invalid JSON";
        QTest::newRow("missing field") << R"({"choices":[{"logprobs":{"content":[{"token":"a","top_logprobs":[]}]}}]})"
                                       << "t.jsonl line 1: field 'choices[0].logprobs.content[0].logprob' is missing";
        QTest::newRow("nan") << good + "\n" + R"({"tokens":["a"],"top_tokens":[["a"]],"top_logprobs":[[NaN]]})" << "t.jsonl line 2: invalid JSON";
        QTest::newRow("-inf as text") << R"({"choices":[{"logprobs":{"content":[{"token":"a","logprob":"-inf","top_logprobs":[]}]}}]})"
                                      << "field 'choices[0].logprobs.content[0].logprob' must be a number";
        QTest::newRow("positive logprob") << R"({"tokens":["a"],"top_tokens":[["a"]],"top_logprobs":[[0.5]]})" << "at most 0";
        QTest::newRow("empty content") << R"({"choices":[{"logprobs":{"content":[]}}]})" << "line 1: the response holds no tokens";
        QTest::newRow("no logprobs") << R"({"choices":[{"message":{"content":"hi"}}]})" << "request with logprobs=true";
        QTest::newRow("unknown shape") << R"({"text":"hello"})" << "not a recognised log-probability response";
        QTest::newRow("empty file") << "" << "no responses found";
        QTest::newRow("document, bad JSON") << QString("[\n  {\"tokens\": [\"a\"],\n   \"top_tokens\": [[\"a\"]],\n   \"top_logprobs\": [[-0.1]],,\n}]\n")
                                            << "t.jsonl line 4: invalid JSON";
        QTest::newRow("document, bad element") << QString("[\n {\"tokens\": [\"a\"], \"top_tokens\": [[\"a\"]], \"top_logprobs\": [[-0.1]]},\n"
                                                          " {\"tokens\": [\"b\"], \"top_tokens\": [[\"b\"]], \"top_logprobs\": [[0.3]]}\n]")
                                               << "t.jsonl element 2: field 'top_logprobs[0][0]'";
        QTest::newRow("document, empty array") << "[\n]" << "no responses found";
        QTest::newRow("bad label") << R"({"tokens":["a"],"top_tokens":[["a"]],"top_logprobs":[[-0.1]],"correct":"maybe"})" << "field 'correct'";
        QTest::newRow("bad probability") << R"({"completion_probabilities":[{"token":"x","prob":1.7,"top_probs":[]}]})" << "lies in [0, 1]";
    }
    void malformedInputNamesLineAndField()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        try {
            importTraceText(text.toStdString(), "t.jsonl");
            QFAIL("accepted malformed input");
        } catch (const FormatError& error) {
            QVERIFY2(QString::fromUtf8(error.what()).contains(expected), error.what());
        }
    }

    void aucAndRocOnHandCases()
    {
        // The textbook case: scores .1 .4 .35 .8 with labels 0 0 1 1 → AUC 0.75.
        QVERIFY(std::abs(areaUnderRoc({.1, .4, .35, .8}, {false, false, true, true}) - 0.75) < 1e-12);
        QCOMPARE(areaUnderRoc({1, 1, 1, 1}, {true, false, true, false}), 0.5); // ties count one half
        QCOMPARE(areaUnderRoc({1, 2, 3}, {false, true, true}), 1.0);
        QVERIFY(std::isnan(areaUnderRoc({1, 2}, {true, true})));
        const auto roc = rocCurve({.1, .4, .35, .8}, {false, false, true, true});
        QCOMPARE(roc.front().falsePositiveRate, 0.0);
        QCOMPARE(roc.back().truePositiveRate, 1.0);
        QCOMPARE(roc.back().falsePositiveRate, 1.0);
        // A bootstrap interval brackets the estimate on a larger random set.
        std::vector<double> scores;
        std::vector<bool> positive;
        for (int i = 0; i < 300; ++i) {
            const bool failure = test::uniform(0, 1) < 0.4;
            positive.push_back(failure);
            scores.push_back(test::uniform(0, 1) + (failure ? 0.3 : 0.0));
        }
        const double auc = areaUnderRoc(scores, positive);
        const auto [low, high] = bootstrapAucInterval(scores, positive, 400, 0.95, 7);
        QVERIFY2(low <= auc && auc <= high && low > 0.5 && high <= 1.0, qPrintable(QString("%1 [%2, %3]").arg(auc).arg(low).arg(high)));
    }

    void datasetsSayHowTheyAreLinked()
    {
        // The studio links views by these roles, never by dataset names (docs/architecture.md).
        InstabilityEngine engine;
        RunRequest request;
        request.parameters = defaultValues(engine.parameterSchema());
        request.parameters["traces"] = std::string(STUDIO_SAMPLE_TRACES);
        const auto shown = test::uniformInt(0, 47);
        auto compared = test::uniformInt(0, 46);
        compared += compared >= shown;
        request.parameters["traceIndex"] = shown;
        request.parameters["compareIndex"] = compared;
        request.parameters["earlyEnd"] = test::uniform(0.1, 0.4);
        request.parameters["lateStart"] = test::uniform(0.6, 0.9);
        request.warmupRepeats = 0;
        const CompletedRun run = runEngine(engine, request);
        std::map<std::string, const Dataset*> byName;
        for (const auto& d : run.output.datasets)
            byName[d.name] = &d;
        const auto expect = [&](const char* name, DatasetRole role, const char* linkedTo) {
            QVERIFY2(byName.contains(name), name);
            QCOMPARE(byName[name]->role, role);
            QCOMPARE(byName[name]->linkedTo, std::string(linkedTo));
            QVERIFY2(role == DatasetRole::Own || byName.contains(linkedTo), linkedTo);
        };
        expect("trace", DatasetRole::Own, "");
        expect("signals", DatasetRole::Shades, "trace");
        expect("compared trace", DatasetRole::ComparedWith, "trace");
        expect("compared signals", DatasetRole::Shades, "compared trace");
        expect("instability of both", DatasetRole::BothSides, "compared trace");
        expect("metrics", DatasetRole::Own, "");
        // The phase boundaries are the series' own markers, at the run's fractions of its steps.
        const auto& series = std::get<Series>(byName["signals"]->content);
        QCOMPARE(series.markers.size(), std::size_t(2));
        const double steps = static_cast<double>(series.x.size());
        QVERIFY(std::abs(series.markers[0].x - std::get<double>(request.parameters["earlyEnd"]) * steps) < 1e-3 * steps);
        QVERIFY(std::abs(series.markers[1].x - std::get<double>(request.parameters["lateStart"]) * steps) < 1e-3 * steps);
        QCOMPARE(series.markers[0].label, std::string("early | middle"));

        // Roles, links and markers survive a session or --out round trip; an unknown role is refused.
        NpzArchive archive;
        auto descriptor = storeDataset(*byName["compared signals"], "d", archive);
        const Dataset back = loadDataset(descriptor, "d", archive, "test.lstudio");
        QCOMPARE(back.role, DatasetRole::Shades);
        QCOMPARE(back.linkedTo, std::string("compared trace"));
        QCOMPARE(std::get<Series>(back.content).markers.size(), std::size_t(2));
        QCOMPARE(std::get<Series>(back.content).markers[1].label, std::string("middle | late"));
        descriptor["role"] = "shadows";
        try {
            loadDataset(descriptor, "d", archive, "test.lstudio");
            QFAIL("an unknown role was accepted");
        } catch (const FormatError& error) {
            QVERIFY2(QString(error.what()).contains("test.lstudio") && QString(error.what()).contains("unknown role 'shadows'"), error.what());
        }
    }

    void engineRunsOnTheSampleTraces()
    {
        InstabilityEngine engine;
        RunRequest request;
        request.parameters = defaultValues(engine.parameterSchema());
        request.parameters["traces"] = std::string(STUDIO_SAMPLE_TRACES);
        request.parameters["traceIndex"] = test::uniformInt(0, 47);
        request.parameters["smoothing"] = test::uniformInt(1, 5);
        request.warmupRepeats = 0;
        const CompletedRun run = runEngine(engine, request);
        QCOMPARE(run.latency.stagePaths(), (std::vector<std::string>{"import", "signals", "dataset metrics", "outputs"}));
        std::map<std::string, const Dataset*> byName;
        for (const auto& d : run.output.datasets)
            byName[d.name] = &d;
        QVERIFY(std::any_of(run.output.datasets.begin(), run.output.datasets.end(),
                            [](const Dataset& d) { return d.name.starts_with("text steps ("); }));
        for (const char* name : {"trace", "signals", "roc", "prefix auc", "traces", "metrics"})
            QVERIFY2(byName.contains(name), name);
        const auto& trace = std::get<TokenTrace>(byName["trace"]->content);
        const auto& series = std::get<Series>(byName["signals"]->content);
        QCOMPARE(series.x.size(), trace.tokens.size());
        QCOMPARE(std::get<Table>(byName["traces"]->content).rows.size(), std::size_t(48));
        const auto& metrics = std::get<Table>(byName["metrics"]->content);
        QVERIFY(std::any_of(metrics.rows.begin(), metrics.rows.end(), [](const auto& r) { return r[0] == "AUC of peak strength for failure"; }));
        QVERIFY(!engine.reportSections(run.output.datasets, parametersToJson(request.parameters)).empty());
        // Bars of accuracy per strength bucket and per peak position match the metrics table.
        QVERIFY(byName.contains("bucket accuracy") && byName.contains("accuracy by peak position"));
        const auto& buckets = std::get<Series>(byName["bucket accuracy"]->content);
        QCOMPARE(buckets.style, SeriesStyle::Bars);
        QCOMPARE(buckets.x.size(), std::size_t(4)); // the default, quartiles
        QCOMPARE(buckets.xTicks.size(), buckets.x.size());
        std::size_t bucket = 0;
        for (const auto& row : metrics.rows)
            if (row[0].starts_with("accuracy, peak "))
                QVERIFY(std::abs(QString::fromStdString(row[1]).section(' ', 0, 0).toDouble() - buckets.curves[0].values[bucket++]) <= 0.0005 + 1e-6);
        QCOMPARE(bucket, buckets.x.size());
        const auto& bins = std::get<Series>(byName["accuracy by peak position"]->content);
        QCOMPARE(bins.x.size(), std::size_t(3));
        QVERIFY(QString::fromStdString(bins.xTicks[0]).startsWith("early"));

        request.parameters["traceIndex"] = std::int64_t{48};
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runEngine(engine, request));
        request.parameters["traces"] = std::string("/nonexistent/traces.jsonl");
        QVERIFY_THROWS_EXCEPTION(FileError, runEngine(engine, request));
    }

    void textIsCutIntoStepsThatCoverEveryToken()
    {
        const std::vector<std::string> tokens{"Step", " 1", ":", " add", ".", "\n", "Step", " 2", ": carry", " the", " one", ".\n\n",
                                              "So", " it", " is", " 4", "."};
        TraceSignals traceSignals;
        for (std::size_t t = 0; t < tokens.size(); ++t) {
            traceSignals.instability.push_back(test::uniform(0, 2));
            traceSignals.divergence.push_back(test::uniform(0, 1));
            traceSignals.entropy.push_back(test::uniform(0, 1));
        }
        Segmentation used;
        const auto markers = segmentSteps(tokens, traceSignals, Segmentation::Auto, &used);
        QCOMPARE(used, Segmentation::StepMarkers);
        QCOMPARE(markers.size(), std::size_t(2));
        QCOMPARE(markers[1].firstToken, std::size_t(6)); // "Step" of "Step 2"
        QCOMPARE(markers[1].lastToken, tokens.size() - 1);
        const auto paragraphs = segmentSteps(tokens, traceSignals, Segmentation::BlankLines);
        QCOMPARE(paragraphs.size(), std::size_t(2));
        QCOMPARE(paragraphs[1].firstToken, std::size_t(12)); // "So"
        QCOMPARE(paragraphs[1].preview, std::string("So it is 4."));
        const auto sentences = segmentSteps(tokens, traceSignals, Segmentation::Sentences);
        QCOMPARE(sentences.size(), std::size_t(3));
        // Aggregates: every token in exactly one step; the mean and max are over its tokens.
        std::size_t covered = 0;
        for (const auto& step : sentences) {
            covered += step.lastToken - step.firstToken + 1;
            double sum = 0, max = 0;
            for (std::size_t t = step.firstToken; t <= step.lastToken; ++t) {
                sum += traceSignals.instability[t];
                max = std::max<double>(max, traceSignals.instability[t]);
            }
            QVERIFY(std::abs(step.meanInstability - sum / (step.lastToken - step.firstToken + 1)) < 1e-6);
            QCOMPARE(step.maxInstability, max);
        }
        QCOMPARE(covered, tokens.size());
        QCOMPARE(segmentSteps({"no", " boundary", " here"}, traceSignals, Segmentation::Auto).size(), std::size_t(1));

        // Previews of long steps are cut on character boundaries, wherever multi-byte text falls.
        for (int shift = 0; shift < 4; ++shift) {
            std::vector<std::string> wide(1, std::string(shift, 'a'));
            for (int i = 0; i < 60; ++i)
                wide.push_back(i % 2 ? " →" : "é");
            TraceSignals wideSignals;
            wideSignals.instability.assign(wide.size(), 1.0f);
            wideSignals.divergence.assign(wide.size(), 0.5f);
            wideSignals.entropy.assign(wide.size(), 0.5f);
            for (const auto& step : segmentSteps(wide, wideSignals, Segmentation::Auto)) {
                const QByteArray bytes = QByteArray::fromStdString(step.preview);
                QCOMPARE(QString::fromUtf8(bytes).toUtf8(), bytes); // valid UTF-8 survives the round trip unchanged
            }
        }
    }

    void gpuKernelBodiesMatchCpuOnHost()
    {
        // What the CUDA kernels compute, one step at a time on the host: runs on any machine.
        const std::vector<Trace> traces = test::randomTraces();
        for (int trial = 0; trial < 6; ++trial) {
            const SignalSettings settings = test::randomSettings();
            compareWithCpu(stepSignalsOnHost(traces, settings), traces, settings);
        }
        Trace tooWide;
        tooWide.steps.push_back({0, -0.1f, std::vector<Alternative>(kMaxGpuAlternatives + 1, Alternative{1, -1.0f})});
        QVERIFY_THROWS_EXCEPTION(ArgumentError, stepSignalsOnHost(std::vector<Trace>{tooWide}, {}));
    }

    void cudaPathMatchesCpu()
    {
    // The CUDA signals against the CPU, and the engine on the GPU: tests/gpu/SignalsChecks.cpp.
    LS_RUN_GPU_CHECK("signals.steps", std::string(STUDIO_SAMPLE_TRACES));
}

    void bucketsAndBins()
    {
        const auto buckets = accuracyByScoreQuantile({5, 1, 4, 2, 3, 6}, {false, true, false, true, true, false}, 2);
        QCOMPARE(buckets.size(), std::size_t(2));
        QCOMPARE(buckets[0].count, std::size_t(3));
        QCOMPARE(buckets[0].accuracy, 1.0); // scores 1, 2, 3 were all correct
        QCOMPARE(buckets[1].accuracy, 0.0);
        QCOMPARE(buckets[1].highScore, 6.0);
        const auto bins = accuracyByPeakBin({0, 0, 1, 2, 2, 2}, {true, true, false, true, false, false});
        QCOMPARE(bins[0].accuracy, 1.0);
        QCOMPARE(bins[1].accuracy, 0.0);
        QVERIFY(std::abs(bins[2].accuracy - 1.0 / 3) < 1e-12);
        QCOMPARE(bins[2].count, std::size_t(3));
    }
};

QTEST_GUILESS_MAIN(TestSignals)
#include "tst_signals.moc"
