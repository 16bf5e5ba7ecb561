// Live streaming from an OpenAI-compatible server: the server-sent-event decoder, the chunk
// reader, and the Qt client against a local server on 127.0.0.1 that replays a stream over real
// HTTP — whole, with a malformed chunk, cut off, refused, with an HTTP error, and cancelled.
#include "ChatStreamFixture.h"
#include "ReplayServer.h"
#include "plugins/signals/live/LiveTraceClient.h"
#include "engine/signals/ServerSentEvents.h"
#include "engine/signals/TraceExport.h"
#include "engine/signals/TraceImport.h"
#include "engine/core/Error.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

using namespace ls;
using namespace ls::live;
using nlohmann::json;
using namespace ls::test;

namespace {

LiveRequest requestTo(const ReplayServer& server)
{
    LiveRequest request;
    request.baseUrl = QUrl(server.baseUrl());
    request.model = "replay-model";
    request.prompt = "What is 6 × 7? Think step by step.";
    request.maxTokens = 300;
    request.topLogprobs = 5;
    request.apiKey = "sk-test-secret-4711";
    request.stallTimeoutMs = 5000;
    return request;
}

// Runs the client until it ends; returns the end state.
LiveState runToEnd(LiveTraceClient& client, const LiveRequest& request)
{
    QSignalSpy ended(&client, &LiveTraceClient::ended);
    if (!client.start(request))
        return LiveState::Idle;
    if (!ended.wait(10000))
        return client.state();
    return ended.front().front().value<LiveState>();
}

void compareSteps(const reasoning::TraceSet& set, const reasoning::Trace& trace, const std::vector<ExpectedStep>& expected, std::size_t count)
{
    QCOMPARE(trace.steps.size(), count);
    for (std::size_t t = 0; t < count; ++t) {
        QCOMPARE(set.vocabulary.text(trace.steps[t].chosen), expected[t].token);
        QVERIFY(std::abs(trace.steps[t].logprob - expected[t].logprob) <= 1e-6f * (1 + std::abs(expected[t].logprob)));
        QCOMPARE(trace.steps[t].top.size(), expected[t].top.size());
        for (std::size_t k = 0; k < expected[t].top.size(); ++k)
            QCOMPARE(set.vocabulary.text(trace.steps[t].top[k].token), expected[t].top[k].first);
    }
}

} // namespace

class TestLive : public QObject {
    Q_OBJECT
private slots:
    void decoderHandlesSplitsLineEndingsAndComments()
    {
        using reasoning::ServerSentEventDecoder;
        const std::string text = "\xEF\xBB\xBF: comment\r\ndata: one\r\n\r\nevent: update\ndata: two\ndata:  three\nid: 7\n\n"
                                 "data\n\nretry: 10\n\ndata: {\"x\":1}\r\r";
        // The same events however the bytes are cut.
        std::mt19937 rng(std::random_device{}());
        for (int trial = 0; trial < 50; ++trial) {
            ServerSentEventDecoder decoder;
            std::vector<reasoning::ServerSentEvent> events;
            for (std::size_t at = 0; at < text.size();) {
                const std::size_t n = std::min<std::size_t>(1 + rng() % 7, text.size() - at);
                for (auto& e : decoder.feed(std::string_view(text).substr(at, n)))
                    events.push_back(std::move(e));
                at += n;
            }
            QCOMPARE(events.size(), std::size_t{4});
            QCOMPARE(events[0].data, std::string("one"));
            QCOMPARE(events[1].type, std::string("update"));
            QCOMPARE(events[1].data, std::string("two\n three")); // one space after the colon is dropped, not two
            QCOMPARE(events[1].id, std::string("7"));
            QCOMPARE(events[2].data, std::string("")); // "data" alone: an empty data line
            QCOMPARE(events[3].data, std::string("{\"x\":1}")); // CR alone ends lines too
            QVERIFY(!decoder.hasPartialEvent());
        }
        ServerSentEventDecoder cut;
        QVERIFY(cut.feed("data: {\"partial\"").empty());
        QVERIFY(cut.hasPartialEvent());
    }

    void chunkErrorsNameTheEventAndKeepTheTraceWhole()
    {
        reasoning::TraceSet set;
        reasoning::Trace trace;
        std::mt19937 rng(std::random_device{}());
        const auto steps = randomSteps(rng, 3, 4);
        for (const auto& step : steps)
            QCOMPARE(reasoning::appendChatCompletionChunk(chunkOf(step), "http://x/v1/chat/completions", 1, set, trace).stepsAdded,
                     std::size_t{1});
        // A chunk whose second entry has a NaN-like value joins not at all.
        json bad = json::parse(chunkOf(steps[0]));
        auto& content = bad["choices"][0]["logprobs"]["content"];
        content.push_back(content[0]);
        content[1]["logprob"] = 0.5;
        try {
            reasoning::appendChatCompletionChunk(bad.dump(), "http://x/v1/chat/completions", 9, set, trace);
            QFAIL("a positive log-probability was accepted");
        } catch (const StudioError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.contains("event 9") && message.contains("choices[0].logprobs.content[1].logprob"), qPrintable(message));
        }
        QCOMPARE(trace.steps.size(), std::size_t{3});
        try {
            reasoning::appendChatCompletionChunk(R"({"error": {"message": "model overloaded"}})", "srv", 4, set, trace);
            QFAIL("an error chunk was accepted");
        } catch (const StudioError& error) {
            QVERIFY(QString::fromUtf8(error.what()).contains("model overloaded"));
        }
        try {
            reasoning::appendChatCompletionChunk(
                R"({"object":"chat.completion.chunk","choices":[{"delta":{"content":"hi"},"logprobs":null}]})", "srv", 5, set, trace);
            QFAIL("text without log-probabilities was accepted");
        } catch (const StudioError& error) {
            QVERIFY(QString::fromUtf8(error.what()).contains("choices[0].logprobs"));
        }
    }

    void streamsARandomTraceOverHttp()
    {
        std::mt19937 rng(std::random_device{}());
        const auto steps = randomSteps(rng, 40 + static_cast<int>(rng() % 160), 5);
        ReplayServer server({.pieces = randomPieces(eventStream(steps), rng)});
        QVERIFY(server.isListening());
        LiveTraceClient client;
        QSignalSpy arrived(&client, &LiveTraceClient::tokensArrived);
        const LiveRequest request = requestTo(server);
        QCOMPARE(runToEnd(client, request), LiveState::Finished);
        QVERIFY2(client.message().contains("stop"), qPrintable(client.message()));
        QCOMPARE(client.trace().id, std::string("chatcmpl-replay"));
        compareSteps(client.received(), client.trace(), steps, steps.size());
        QVERIFY(arrived.size() >= 1);
        QCOMPARE(arrived.back().front().toInt(), static_cast<int>(steps.size()));

        // What the server was asked.
        QCOMPARE(server.requests().size(), 1);
        const RecordedRequest& sent = server.requests().front();
        QCOMPARE(sent.method, QByteArray("POST"));
        QCOMPARE(sent.path, QByteArray("/v1/chat/completions"));
        QCOMPARE(sent.headers.value("authorization"), QByteArray("Bearer sk-test-secret-4711"));
        const json body = json::parse(sent.body.toStdString());
        QCOMPARE(body["stream"].get<bool>(), true);
        QCOMPARE(body["logprobs"].get<bool>(), true);
        QCOMPARE(body["top_logprobs"].get<int>(), 5);
        QCOMPARE(body["max_tokens"].get<int>(), 300);
        QCOMPARE(body["model"].get<std::string>(), std::string("replay-model"));
        QCOMPARE(QString::fromStdString(body["messages"][0]["content"].get<std::string>()), request.prompt);

        // The key is in no description of the request.
        QVERIFY(!QString::fromStdString(describe(request).dump()).contains("sk-test"));

        // The finished trace saves as a file the importer reads back unchanged.
        QTemporaryDir dir;
        const std::string path = dir.filePath("live.jsonl").toStdString();
        reasoning::writeChatCompletionsJsonl(path, client.received(), describe(request));
        const auto reread = reasoning::importTraceFile(path);
        QCOMPARE(reread.traces.size(), std::size_t{1});
        compareSteps(reread, reread.traces.front(), steps, steps.size());
    }

    void malformedChunkFailsClearlyAndKeepsWhatArrived()
    {
        std::mt19937 rng(std::random_device{}());
        const auto steps = randomSteps(rng, 30, 5);
        const std::size_t goodBefore = 10 + rng() % 15;
        ReplayServer server({.pieces = randomPieces(eventStream(steps, R"({"id":"chatcmpl-replay","choices":[{"delta")", goodBefore), rng)});
        LiveTraceClient client;
        QCOMPARE(runToEnd(client, requestTo(server)), LiveState::Failed);
        const QString message = client.message();
        // Event 1 is the role chunk, so the malformed one is event goodBefore + 2.
        QVERIFY2(message.contains(QStringLiteral("event %1").arg(goodBefore + 2)) && message.contains("invalid JSON") &&
                     message.contains("/v1/chat/completions") && message.contains(QStringLiteral("%1 tokens").arg(goodBefore)),
                 qPrintable(message));
        QVERIFY(!message.contains("sk-test"));
        compareSteps(client.received(), client.trace(), steps, goodBefore);
    }

    // A number beyond double range, and a field of the wrong type, once aborted the studio and lost the
    // tokens: now they end the stream with a message naming the event, and what arrived is kept.
    void outOfRangeOrMistypedChunkFailsAndKeepsWhatArrived()
    {
        std::mt19937 rng(std::random_device{}());
        for (const std::string& bad :
             {std::string(R"({"id":"x","choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":-1e400,"top_logprobs":[]}]}}]})"),
              std::string(R"({"id":"x","choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[{"token":7,"logprob":"low","top_logprobs":{}}]}}]})")}) {
            const auto steps = randomSteps(rng, 20, 4);
            const std::size_t goodBefore = 3 + rng() % 10;
            ReplayServer server({.pieces = randomPieces(eventStream(steps, bad, goodBefore), rng)});
            LiveTraceClient client;
            QCOMPARE(runToEnd(client, requestTo(server)), LiveState::Failed);
            QVERIFY2(client.message().contains(QStringLiteral("event %1").arg(goodBefore + 2)) &&
                         client.message().contains(QStringLiteral("%1 tokens").arg(goodBefore)),
                     qPrintable(client.message()));
            compareSteps(client.received(), client.trace(), steps, goodBefore);
        }
    }

    void urlsLoseTheirSecrets()
    {
        const QUrl url("https://user:pw@example.test/v1?api_key=sk-1&api-version=2024&token=t&X-Api-Key=k&model=m");
        const QString shown = live::withoutSecrets(url).toString();
        QVERIFY2(!shown.contains("sk-1") && !shown.contains("pw") && !shown.contains("=t") && !shown.contains("=k"), qPrintable(shown));
        QVERIFY2(shown.contains("api-version=2024") && shown.contains("model=m"), qPrintable(shown));
        LiveRequest request;
        request.baseUrl = url;
        QVERIFY(!QString::fromStdString(live::describe(request).dump()).contains("sk-1"));
    }

    void decoderRefusesAnEndlessLine()
    {
        reasoning::ServerSentEventDecoder decoder;
        const std::string block(1 << 20, 'x');
        bool refused = false;
        try {
            decoder.feed("data: ", "s");
            for (std::size_t sent = 0; sent <= reasoning::ServerSentEventDecoder::kMaxEventBytes; sent += block.size())
                decoder.feed(block, "stream.txt");
        } catch (const FormatError& error) {
            refused = QString(error.what()).contains("stream.txt") && QString(error.what()).contains("MiB");
        }
        QVERIFY(refused);
    }

    void droppedConnectionFailsClearlyAndKeepsWhatArrived()
    {
        std::mt19937 rng(std::random_device{}());
        const auto steps = randomSteps(rng, 25, 5);
        const std::size_t sent = 5 + rng() % 15;
        std::string text = eventStream(std::vector<ExpectedStep>(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(sent)));
        text = text.substr(0, text.find(R"(data: {"id":"chatcmpl-replay","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},)"));
        text += "data: {\"id\":\"chatcmpl-rep"; // cut mid-event
        ReplayServer server({.pieces = randomPieces(text, rng), .dropAfterPieces = true});
        LiveTraceClient client;
        QCOMPARE(runToEnd(client, requestTo(server)), LiveState::Failed);
        const QString message = client.message();
        QVERIFY2(message.contains(QStringLiteral("%1 tokens that arrived are kept").arg(sent)), qPrintable(message));
        QVERIFY2(message.contains("closed") || message.contains("connection"), qPrintable(message));
        compareSteps(client.received(), client.trace(), steps, sent);
    }

    void streamWithoutAnEndIsNotCalledFinished()
    {
        // The server ends the HTTP body properly but the stream has no finish_reason and no [DONE].
        std::mt19937 rng(std::random_device{}());
        const auto steps = randomSteps(rng, 12, 3);
        std::string text;
        for (const auto& step : steps)
            text += "data: " + chunkOf(step) + "\n\n";
        ReplayServer server({.pieces = randomPieces(text, rng)});
        LiveTraceClient client;
        QCOMPARE(runToEnd(client, requestTo(server)), LiveState::Failed);
        QVERIFY2(client.message().contains("before the stream ended"), qPrintable(client.message()));
        QCOMPARE(client.trace().steps.size(), steps.size());
    }

    void httpErrorShowsTheServersMessage()
    {
        ReplayServer server({.status = 401, .contentType = "application/json",
                             .pieces = {R"({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})"}});
        LiveTraceClient client;
        QCOMPARE(runToEnd(client, requestTo(server)), LiveState::Failed);
        QVERIFY2(client.message().contains("HTTP 401") && client.message().contains("Incorrect API key provided"),
                 qPrintable(client.message()));
        QVERIFY(!client.message().contains("sk-test"));
    }

    void refusedConnectionIsReported()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close(); // nothing listens there now
        LiveRequest request;
        request.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/v1/").arg(port));
        LiveTraceClient client;
        QCOMPARE(runToEnd(client, request), LiveState::Failed);
        QVERIFY2(client.message().contains("connection to http://127.0.0.1") && client.message().contains("no tokens"),
                 qPrintable(client.message()));
    }

    void cancelStopsTheStreamAndKeepsTokens()
    {
        std::mt19937 rng(std::random_device{}());
        const auto steps = randomSteps(rng, 200, 5);
        QList<QByteArray> pieces;
        const std::string text = eventStream(steps);
        for (std::size_t at = 0; at < text.size();) { // one event per piece, 20 ms apart
            const std::size_t end = text.find("\n\n", at) + 2;
            pieces.push_back(QByteArray::fromStdString(text.substr(at, end - at)));
            at = end;
        }
        ReplayServer server({.pieces = pieces, .delayMs = 20});
        LiveTraceClient client;
        QSignalSpy ended(&client, &LiveTraceClient::ended);
        connect(&client, &LiveTraceClient::tokensArrived, &client, [&client](int total) {
            if (total >= 5)
                client.cancel();
        });
        QVERIFY(client.start(requestTo(server)));
        QVERIFY(!client.start(requestTo(server))); // one stream at a time
        QVERIFY(ended.wait(10000));
        QCOMPARE(client.state(), LiveState::Cancelled);
        QVERIFY(client.trace().steps.size() >= 5 && client.trace().steps.size() < steps.size());
        compareSteps(client.received(), client.trace(), steps, client.trace().steps.size());
    }
};

QTEST_GUILESS_MAIN(TestLive)
#include "tst_live.moc"
