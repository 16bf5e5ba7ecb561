#include "LiveTraceClient.h"

#include "engine/core/Error.h"
#include "engine/signals/TraceImport.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

namespace ls::live {

using nlohmann::json;

namespace {

// A whole (non-stream) answer larger than this is refused; an error body is kept to its start.
constexpr qsizetype kMaxWholeAnswerBytes = qsizetype{256} << 20;
constexpr qsizetype kMaxErrorBodyBytes = qsizetype{64} << 10;

bool isSecretQueryKey(const QString& key)
{
    const QString k = key.toLower().remove('-').remove('_');
    static const QStringList secrets{"apikey", "key", "token", "accesstoken", "auth", "authorization", "password",
                                     "secret", "sig", "signature", "code", "session", "sessionid", "bearer", "xapikey"};
    return secrets.contains(k) || k.endsWith("token") || k.endsWith("secret") || k.endsWith("apikey");
}

} // namespace

QUrl withoutSecrets(const QUrl& url)
{
    QUrl shown = url;
    shown.setUserInfo({});
    QUrlQuery query(shown);
    bool changed = false;
    for (const auto& [key, value] : query.queryItems(QUrl::FullyDecoded))
        if (isSecretQueryKey(key)) {
            query.removeAllQueryItems(key);
            changed = true;
        }
    if (changed)
        shown.setQuery(query);
    return shown;
}

QUrl chatCompletionsUrl(const QUrl& baseUrl)
{
    QUrl url = baseUrl;
    QString path = url.path();
    if (path.endsWith(QLatin1String("/chat/completions")))
        return url;
    while (path.endsWith('/'))
        path.chop(1);
    url.setPath(path + QStringLiteral("/chat/completions"));
    return url;
}

QByteArray requestBody(const LiveRequest& request)
{
    json body = {
        {"messages", json::array({{{"role", "user"}, {"content", request.prompt.toStdString()}}})},
        {"max_tokens", request.maxTokens},
        {"temperature", request.temperature},
        {"stream", true},
        {"logprobs", true},
        {"top_logprobs", request.topLogprobs},
    };
    // No model named: the field is left out, so a one-model server (llama.cpp, vLLM) uses its own.
    // llama-cpp-python answers "model": "" with an empty stream.
    if (!request.model.trimmed().isEmpty())
        body["model"] = request.model.trimmed().toStdString();
    return QByteArray::fromStdString(body.dump());
}

json describe(const LiveRequest& request)
{
    // Credentials in a URL (user info, ?api_key=) are as secret as the key and never saved.
    return {{"baseUrl", withoutSecrets(request.baseUrl).toString().toStdString()},
            {"model", request.model.toStdString()},
            {"prompt", request.prompt.toStdString()},
            {"maxTokens", request.maxTokens},
            {"topLogprobs", request.topLogprobs},
            {"temperature", request.temperature}};
}

const char* toString(LiveState state)
{
    switch (state) {
    case LiveState::Idle: return "idle";
    case LiveState::Connecting: return "connecting";
    case LiveState::Streaming: return "streaming";
    case LiveState::Finished: return "finished";
    case LiveState::Failed: return "failed";
    case LiveState::Cancelled: return "cancelled";
    }
    return "?";
}

LiveTraceClient::LiveTraceClient(QObject* parent)
    : QObject(parent)
    , network_(new QNetworkAccessManager(this))
{
    qRegisterMetaType<LiveState>();
    received_.traces.emplace_back();
}

LiveTraceClient::~LiveTraceClient()
{
    if (reply_) {
        reply_->disconnect(this);
        reply_->abort();
    }
}

bool LiveTraceClient::start(const LiveRequest& request)
{
    if (isActive())
        return false;
    const QUrl url = chatCompletionsUrl(request.baseUrl);
    source_ = withoutSecrets(url).toString();
    decoder_ = {};
    received_ = {};
    received_.traces.emplace_back();
    received_.traces.front().id = "live";
    received_.format = "OpenAI chat completion stream (live)";
    nonStreamBody_.clear();
    isEventStream_ = sawDone_ = cancelRequested_ = false;
    eventNumber_ = 0;
    httpStatus_ = 0;
    message_.clear();
    finishReason_.clear();

    QNetworkRequest networkRequest(url);
    networkRequest.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    networkRequest.setRawHeader("Accept", "text/event-stream");
    if (!request.apiKey.isEmpty())
        networkRequest.setRawHeader("Authorization", "Bearer " + request.apiKey.toUtf8());
    networkRequest.setTransferTimeout(request.stallTimeoutMs);
    state_ = LiveState::Connecting;
    reply_ = network_->post(networkRequest, requestBody(request));
    connect(reply_, &QNetworkReply::readyRead, this, &LiveTraceClient::onReadyRead);
    connect(reply_, &QNetworkReply::finished, this, &LiveTraceClient::onFinished);
    return true;
}

void LiveTraceClient::cancel()
{
    if (!isActive())
        return;
    cancelRequested_ = true;
    reply_->abort(); // finished() follows, synchronously
}

void LiveTraceClient::onReadyRead()
{
    if (!reply_ || !isActive())
        return;
    if (httpStatus_ == 0) {
        httpStatus_ = reply_->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        isEventStream_ = httpStatus_ < 300 && reply_->header(QNetworkRequest::ContentTypeHeader).toString().startsWith(
                                                   QLatin1String("text/event-stream"));
        state_ = LiveState::Streaming;
    }
    const QByteArray bytes = reply_->readAll();
    if (!isEventStream_) {
        appendWholeAnswer(bytes);
        return;
    }
    const int before = static_cast<int>(trace().steps.size());
    std::vector<reasoning::ServerSentEvent> events;
    try {
        events = decoder_.feed(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())), source_.toStdString());
    } catch (const std::exception& error) {
        fail(QString::fromUtf8(error.what()));
        return;
    }
    for (const auto& event : events) {
        handleEvent(event);
        if (state_ == LiveState::Failed)
            return;
    }
    if (static_cast<int>(trace().steps.size()) != before)
        emit tokensArrived(static_cast<int>(trace().steps.size()));
}

void LiveTraceClient::handleEvent(const reasoning::ServerSentEvent& event)
{
    ++eventNumber_;
    if (event.data == "[DONE]") {
        sawDone_ = true;
        return;
    }
    try {
        const auto chunk = reasoning::appendChatCompletionChunk(event.data, source_.toStdString(), eventNumber_,
                                                                 received_, received_.traces.front());
        if (!chunk.responseId.empty())
            received_.traces.front().id = chunk.responseId;
        if (!chunk.finishReason.empty())
            finishReason_ = QString::fromStdString(chunk.finishReason);
    } catch (const std::exception& error) { // studio errors, and anything a malformed chunk set off
        fail(QString::fromUtf8(error.what()));
    }
}

void LiveTraceClient::appendWholeAnswer(const QByteArray& bytes)
{
    if (!isActive())
        return;
    const qsizetype limit = httpStatus_ >= 300 ? kMaxErrorBodyBytes : kMaxWholeAnswerBytes;
    if (nonStreamBody_.size() + bytes.size() <= limit) {
        nonStreamBody_ += bytes;
    } else if (httpStatus_ >= 300) {
        nonStreamBody_ += bytes.left(limit - nonStreamBody_.size()); // the start says what went wrong
    } else {
        fail(tr("%1 sent a whole answer larger than %2 MiB; refused").arg(source_).arg(kMaxWholeAnswerBytes >> 20));
    }
}

QString LiveTraceClient::keptSummary() const
{
    const auto steps = trace().steps.size();
    return steps ? tr("; the %1 tokens that arrived are kept").arg(steps) : tr("; no tokens had arrived");
}

void LiveTraceClient::fail(const QString& message)
{
    if (reply_) {
        reply_->disconnect(this);
        reply_->abort();
        reply_->deleteLater();
    }
    end(LiveState::Failed, message + keptSummary());
}

void LiveTraceClient::end(LiveState state, const QString& message)
{
    state_ = state;
    message_ = message;
    emit ended(state, message);
}

void LiveTraceClient::onFinished()
{
    if (!reply_)
        return;
    QNetworkReply* reply = reply_;
    reply->deleteLater();
    reply_ = nullptr;
    if (!isActive())
        return;
    if (cancelRequested_) {
        end(LiveState::Cancelled, tr("Cancelled") + keptSummary());
        return;
    }
    if (httpStatus_ == 0)
        httpStatus_ = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    appendWholeAnswer(reply->readAll());
    if (!isActive())
        return;
    if (httpStatus_ >= 300) {
        // OpenAI-style error bodies: {"error": {"message": ...}}
        QString detail = QString::fromUtf8(nonStreamBody_.left(500)).trimmed();
        try {
            const json body = json::parse(nonStreamBody_.toStdString(), nullptr, false);
            if (body.is_object() && body.contains("error")) {
                const json& error = body["error"];
                detail = QString::fromStdString(error.is_object() && error.contains("message") && error["message"].is_string()
                                                    ? error["message"].get<std::string>()
                                                    : error.dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 500));
            }
        } catch (const std::exception&) {
            // an error body that is not JSON (or has numbers out of range) is shown as text
        }
        fail(tr("%1 answered HTTP %2: %3").arg(source_).arg(httpStatus_).arg(detail));
        return;
    }
    if (reply->error() != QNetworkReply::NoError) {
        const bool stalled = reply->error() == QNetworkReply::OperationCanceledError || reply->error() == QNetworkReply::TimeoutError;
        fail(stalled ? tr("%1 sent nothing for too long; the stream was stopped").arg(source_)
                     : tr("connection to %1 failed: %2").arg(source_, reply->errorString()));
        return;
    }
    if (!isEventStream_) {
        // The server ignored stream=true and sent one whole response: read it like a file.
        try {
            auto set = reasoning::importTraceText(nonStreamBody_.toStdString(), source_.toStdString());
            received_ = std::move(set);
            emit tokensArrived(static_cast<int>(trace().steps.size()));
            end(LiveState::Finished, tr("Finished (the server sent one response instead of a stream): %1 tokens").arg(trace().steps.size()));
        } catch (const std::exception& error) {
            fail(QString::fromUtf8(error.what()));
        }
        return;
    }
    if (!sawDone_ && finishReason_.isEmpty()) {
        fail(tr("%1 closed the connection before the stream ended (no finish_reason, no [DONE]%2)")
                 .arg(source_, decoder_.hasPartialEvent() ? tr("; an event was cut off") : QString()));
        return;
    }
    if (trace().steps.empty()) { // a well-formed stream with nothing in it is not a result
        fail(tr("%1 ended the stream without sending a token (%2); check the model name, that the server returns "
                "log-probabilities, and that it is not busy with another request (llama-cpp-python serves one at a time)")
                 .arg(source_, finishReason_.isEmpty() ? tr("[DONE]") : finishReason_));
        return;
    }
    end(LiveState::Finished, tr("Finished (%1): %2 tokens").arg(finishReason_.isEmpty() ? tr("[DONE]") : finishReason_).arg(trace().steps.size()));
}

} // namespace ls::live
