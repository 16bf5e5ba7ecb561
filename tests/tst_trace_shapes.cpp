// Every server's real output shape imports exactly: the fixtures in tests/fixtures/traces (see its
// README for the server and version each follows) give the same token sequences, and the importer
// must return them, no more and no less.
#include "TestSupport.h"
#include "engine/core/Error.h"
#include "engine/signals/Signals.h"
#include "engine/signals/TraceImport.h"

#include <QTest>
#include <cmath>

using namespace ls;
using namespace ls::reasoning;

namespace {

const std::vector<std::string> kSequenceA{"The", " answer", " is", " 42"};
const std::vector<std::string> kSequenceB{"It", "'s", " 41"};
const std::vector<float> kLogprobsA{-0.01f, -0.2f, -0.05f, -0.9f};

std::vector<std::string> tokensOf(const TraceSet& set, const Trace& trace)
{
    std::vector<std::string> tokens;
    for (const auto& step : trace.steps)
        tokens.push_back(set.vocabulary.text(step.chosen));
    return tokens;
}

TraceSet fixture(const char* name)
{
    return importTraceFile(std::string(STUDIO_TRACE_FIXTURES) + "/" + name);
}

} // namespace

class TestTraceShapes : public QObject {
    Q_OBJECT

private slots:
    void chatStreamWithTwoChoicesAndUsage()
    {
        const TraceSet set = fixture("openai-chat-stream-n2-include-usage.sse");
        QCOMPARE(set.traces.size(), std::size_t{2});
        QCOMPARE(tokensOf(set, set.traces[0]), kSequenceA);
        QCOMPARE(tokensOf(set, set.traces[1]), kSequenceB);
        QCOMPARE(set.traces[0].id, std::string("chatcmpl-9x choice 0"));
        QCOMPARE(set.traces[1].steps[2].top.size(), std::size_t{2});
        QCOMPARE(set.format, std::string("OpenAI chat completion stream"));
    }

    void legacyStreamIsOneTrace()
    {
        const TraceSet set = fixture("openai-legacy-completions-stream.sse");
        QCOMPARE(set.traces.size(), std::size_t{1});
        QCOMPARE(tokensOf(set, set.traces[0]), kSequenceA);
        for (std::size_t t = 0; t < kLogprobsA.size(); ++t)
            QCOMPARE(set.traces[0].steps[t].logprob, kLogprobsA[t]);
        QCOMPARE(set.traces[0].steps[3].top.size(), std::size_t{2});
    }

    void nonStreamWithTwoChoices()
    {
        const TraceSet set = fixture("openai-chat-n2.json");
        QCOMPARE(set.traces.size(), std::size_t{2});
        QCOMPARE(tokensOf(set, set.traces[0]), kSequenceA);
        QCOMPARE(tokensOf(set, set.traces[1]), kSequenceB);
    }

    void llamaCppOlderStreamIsNotDoubled()
    {
        const TraceSet set = fixture("llamacpp-completion-stream-older.sse");
        QCOMPARE(set.traces.size(), std::size_t{1});
        QCOMPARE(tokensOf(set, set.traces[0]), kSequenceA);
        for (std::size_t t = 0; t < kLogprobsA.size(); ++t) // probabilities to 6 decimals, back to logs
            QVERIFY(std::abs(set.traces[0].steps[t].logprob - kLogprobsA[t]) < 1e-4);
    }

    void llamaCppNewerStreamEndsCleanly()
    {
        const TraceSet set = fixture("llamacpp-completion-stream-newer.sse");
        QCOMPARE(set.traces.size(), std::size_t{1});
        QCOMPARE(tokensOf(set, set.traces[0]), kSequenceA);
        QCOMPARE(set.traces[0].steps[1].logprob, kLogprobsA[1]);
    }

    void llamaCppPythonChatStream()
    {
        const TraceSet set = fixture("llama-cpp-python-chat-stream.sse");
        QCOMPARE(set.traces.size(), std::size_t{1});
        QCOMPARE(tokensOf(set, set.traces[0]), kSequenceA);
    }

    // The step without alternatives is counted and left out, not given H = 0 and an arbitrary D.
    void vllmStepWithoutAlternativesIsLeftOut()
    {
        const TraceSet set = fixture("vllm-chat-step-without-alternatives.json");
        QCOMPARE(set.traces.size(), std::size_t{1});
        const Trace& trace = set.traces[0];
        QCOMPARE(trace.steps.size(), std::size_t{5});
        QVERIFY(trace.steps[2].top.empty());
        const TraceSignals computed = computeSignals(trace, SignalSettings{});
        QVERIFY(std::isnan(computed.entropy[2]) && std::isnan(computed.divergence[2]) && std::isnan(computed.divergence[3]));
        QVERIFY(std::isfinite(computed.entropy[1]) && std::isfinite(computed.entropy[3]) && std::isfinite(computed.divergence[4]));
        QVERIFY(std::isfinite(computed.peakStrength));
        QVERIFY(computed.peakStep != 2);
        // Without the step, the others' values are those of the trace with it removed.
        Trace without = trace;
        without.steps.erase(without.steps.begin() + 2);
        const TraceSignals reference = computeSignals(without, SignalSettings{});
        QCOMPARE(computed.entropy[4], reference.entropy[3]);
        QCOMPARE(computed.divergence[1], reference.divergence[1]);
    }

    void llamaCppFinalEventThatDisagreesIsRefused()
    {
        const std::string text =
            R"({"content":"x","stop":false,"completion_probabilities":[{"token":"x","logprob":-0.2,"top_logprobs":[{"token":"x","logprob":-0.2}]}]})" "\n"
            R"({"content":"","stop":true,"completion_probabilities":[{"token":"y","logprob":-0.2,"top_logprobs":[]}]})" "\n";
        try {
            importTraceText(text, "d.jsonl");
            QFAIL("accepted a final event that contradicts the stream");
        } catch (const FormatError& error) {
            QVERIFY2(QString(error.what()).contains("d.jsonl line 2"), error.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestTraceShapes)
#include "tst_trace_shapes.moc"
