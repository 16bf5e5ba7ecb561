// Every server's real output shape imports exactly: the fixtures in tests/fixtures/traces (see its
// README for the server and version each follows) give the same token sequences, and the importer
// must return them, no more and no less.
#include "TestSupport.h"
#include "engine/core/Error.h"
#include "engine/signals/Signals.h"
#include "engine/signals/TraceImport.h"
#include "engine/signals/TraceImportFast.h"

#include <QTemporaryDir>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

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

    // The simdjson path (files of whole chat completions, split between threads) gives exactly what
    // the general importer gives, token ids aside: same traces, texts, numbers, labels and notes.
    void fastPathReadsAsTheGeneralImporter()
    {
        std::mt19937 rng(static_cast<unsigned>(test::uniformInt(0, 1 << 30)));
        const std::vector<std::string> words{"a", " b", "\xc3\xa9t\xc3\xa9", " \"q\"", "\\n", " the", " 42", "\t", "x"};
        auto token = [&] { return words[rng() % words.size()]; };
        auto number = [&] { return -static_cast<double>(rng() % 9000) / 1000.0; };
        std::string text;
        for (int line = 0; text.size() < (std::size_t{3} << 20); ++line) { // over 2 MB: two ranges
            nlohmann::json object{{"id", "r" + std::to_string(line)}, {"object", "chat.completion"}, {"model", "m"}};
            for (int c = 0; c < (line % 17 == 3 ? 2 : 1); ++c) {
                nlohmann::json content = nlohmann::json::array();
                const int steps = 1 + static_cast<int>(rng() % 40);
                for (int t = 0; t < steps; ++t) {
                    nlohmann::json top = nlohmann::json::array();
                    for (int k = static_cast<int>(rng() % 6); k > 0; --k)
                        top.push_back({{"token", token()}, {"logprob", number()}});
                    content.push_back({{"token", token()}, {"logprob", number()}, {"bytes", {1}}, {"top_logprobs", top}});
                }
                nlohmann::json choice{{"index", c}, {"message", {{"role", "assistant"}, {"content", "..."}}},
                                      {"logprobs", {{"content", content}}}, {"finish_reason", "stop"}};
                if (line % 23 == 5)
                    choice["stop_reason"] = nullptr; // vLLM's field
                object["choices"].push_back(choice);
            }
            if (line % 3 == 0)
                object["correct"] = rng() % 2 == 0;
            if (line % 5 == 1) {
                object["label"] = "incorrect";
                object["answer"] = "7";
            }
            if (line % 7 == 2) {
                object["correct"] = nullptr;
                object["label"] = 1;
            }
            // Non-ASCII as raw UTF-8 on some lines and as \u escapes on others; CRLF and blank lines too.
            text += object.dump(-1, ' ', line % 2 == 0) + (line % 11 == 4 ? "\r\n\n" : "\n");
        }
        QTemporaryDir dir;
        const std::string path = dir.filePath("big.jsonl").toStdString();
        std::ofstream(path, std::ios::binary) << text;
        const auto fast = importChatCompletionsJsonlFast(path, 2);
        QVERIFY2(fast.has_value(), "the fast path stepped aside from a file of whole chat completions");
        const TraceSet general = importTraceText(text, path);
        QCOMPARE(fast->traces.size(), general.traces.size());
        QCOMPARE(fast->format, general.format);
        QCOMPARE(fast->notes, general.notes);
        for (std::size_t i = 0; i < general.traces.size(); ++i) {
            const Trace& a = fast->traces[i];
            const Trace& b = general.traces[i];
            QCOMPARE(a.id, b.id);
            QCOMPARE(a.correct, b.correct);
            QCOMPARE(a.answer, b.answer);
            QCOMPARE(tokensOf(*fast, a), tokensOf(general, b));
            QCOMPARE(a.steps.size(), b.steps.size());
            for (std::size_t t = 0; t < a.steps.size(); ++t) {
                QCOMPARE(a.steps[t].logprob, b.steps[t].logprob);
                QCOMPARE(a.steps[t].top.size(), b.steps[t].top.size());
                for (std::size_t k = 0; k < a.steps[t].top.size(); ++k) {
                    QCOMPARE(fast->vocabulary.text(a.steps[t].top[k].token), general.vocabulary.text(b.steps[t].top[k].token));
                    QCOMPARE(a.steps[t].top[k].logprob, b.steps[t].top[k].logprob);
                }
            }
        }
        // A damaged line (trailing text) makes the fast path step aside; the general importer names it.
        std::ofstream(path, std::ios::app) << "{\"id\":\"z\",\"object\":\"chat.completion\",\"choices\":[]} trailing\n";
        QVERIFY(!importChatCompletionsJsonlFast(path, 2).has_value());
        try {
            importTraceFile(path);
            QFAIL("a damaged line was accepted");
        } catch (const FormatError& error) {
            QVERIFY2(QString(error.what()).contains("big.jsonl line"), error.what());
        }
        // Streams are the general importer's.
        QVERIFY(!importChatCompletionsJsonlFast(std::string(STUDIO_TRACE_FIXTURES) + "/openai-chat-stream-n2-include-usage.sse", 2));
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
