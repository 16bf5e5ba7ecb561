#pragma once
// Streams one chat completion with token log-probabilities from an OpenAI-compatible server
// (OpenAI, vLLM, llama.cpp server, ...) over HTTP server-sent events, building the trace token by
// token. A stream that breaks (malformed chunk, dropped connection, server error) ends as Failed
// with a message saying what happened and where; the tokens that arrived are kept.
//
// The API key is sent as a Bearer token and nowhere else: it is not part of describe(), of error
// messages or of anything this class writes.
#include "engine/signals/ServerSentEvents.h"
#include "engine/signals/Trace.h"

#include <QObject>
#include <QPointer>
#include <QUrl>
#include <nlohmann/json.hpp>

class QNetworkAccessManager;
class QNetworkReply;

namespace ls::live {

struct LiveRequest {
    QUrl baseUrl{QStringLiteral("http://127.0.0.1:8000/v1")}; // "/chat/completions" is appended
    QString model;
    QString prompt;
    int maxTokens = 256;
    int topLogprobs = 5;      // OpenAI accepts 0–20
    double temperature = 1.0;
    QString apiKey;           // empty: no Authorization header (local servers)
    int stallTimeoutMs = 30000; // no bytes for this long ends the stream as Failed
};

QUrl chatCompletionsUrl(const QUrl& baseUrl);
// The URL without user info and without query items that carry credentials (?api_key=, ?token=...),
// as it may be shown, logged and saved.
QUrl withoutSecrets(const QUrl& url);
QByteArray requestBody(const LiveRequest& request);
// The request's settings for sessions and exports: everything but the key.
nlohmann::json describe(const LiveRequest& request);

enum class LiveState { Idle, Connecting, Streaming, Finished, Failed, Cancelled };
const char* toString(LiveState state);

class LiveTraceClient : public QObject {
    Q_OBJECT
public:
    explicit LiveTraceClient(QObject* parent = nullptr);
    ~LiveTraceClient() override;

    // Starts streaming; returns false (and changes nothing) while a stream is running.
    bool start(const LiveRequest& request);
    void cancel();

    LiveState state() const { return state_; }
    bool isActive() const { return state_ == LiveState::Connecting || state_ == LiveState::Streaming; }
    // The trace so far (traces[0]); kept after the stream ends, however it ends.
    const reasoning::TraceSet& received() const { return received_; }
    const reasoning::Trace& trace() const { return received_.traces.front(); }
    QString message() const { return message_; }        // why it failed, or how it finished
    QString finishReason() const { return finishReason_; } // the server's: "stop", "length", ...

signals:
    void tokensArrived(int totalSteps);
    void ended(ls::live::LiveState state, const QString& message);

private:
    void onReadyRead();
    void onFinished();
    void handleEvent(const reasoning::ServerSentEvent& event);
    void fail(const QString& message);
    void end(LiveState state, const QString& message);
    QString keptSummary() const;
    // Keeps a whole (non-stream) answer up to its cap; an oversized answer fails the stream.
    void appendWholeAnswer(const QByteArray& bytes);

    QNetworkAccessManager* network_;
    QPointer<QNetworkReply> reply_;
    QString source_;                 // the URL, for error messages
    reasoning::ServerSentEventDecoder decoder_;
    reasoning::TraceSet received_;
    QByteArray nonStreamBody_;       // a server that ignored stream=true, or an error body
    std::size_t eventNumber_ = 0;    // 1-based, for error messages
    bool isEventStream_ = false;
    bool sawDone_ = false;
    bool cancelRequested_ = false;
    int httpStatus_ = 0;
    LiveState state_ = LiveState::Idle;
    QString message_;
    QString finishReason_;
};

} // namespace ls::live

Q_DECLARE_METATYPE(ls::live::LiveState)
