#include "LoadClient.h"

#include "engine/core/Error.h"
#include "engine/signals/ServerSentEvents.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>

namespace ls::serving {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kNotYet = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxErrorBodyBytes = 4096;
// The longest the loop sleeps when nothing is due: cancellation is noticed within this.
constexpr int kMaxPollMs = 50;

void initialiseCurlOnce()
{
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            throw StudioError(ErrorCategory::Engine, "libcurl could not be initialised");
    });
}

// One request on its way: what libcurl needs kept alive, and what the stream said so far.
struct Transfer {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string body;
    RequestTiming* timing = nullptr;
    Clock::time_point origin;
    ClientOverhead* overhead = nullptr;
    bool chat = true;
    reasoning::ServerSentEventDecoder decoder;
    bool checkedStatus = false;
    bool eventStream = false;
    bool sawDone = false;
    std::string finishReason;
    std::string errorBody;
    std::string streamProblem; // set by the write callback when it stops the transfer
    int usageCompletionTokens = -1;
    char curlError[CURL_ERROR_SIZE] = {};

    ~Transfer()
    {
        if (easy)
            curl_easy_cleanup(easy);
        if (headers)
            curl_slist_free_all(headers);
    }
};

double secondsSince(Clock::time_point origin, Clock::time_point t)
{
    return std::chrono::duration<double>(t - origin).count();
}

// One chunk of the stream. Returns false when the chunk is not understood (the request fails).
bool handleEvent(Transfer& transfer, const reasoning::ServerSentEvent& event, double nowS)
{
    if (event.data == "[DONE]") {
        transfer.sawDone = true;
        return true;
    }
    const nlohmann::json chunk = nlohmann::json::parse(event.data, nullptr, false);
    if (chunk.is_discarded() || !chunk.is_object()) {
        transfer.streamProblem = "a stream event is not a JSON object: " + event.data.substr(0, 120);
        return false;
    }
    if (const auto error = chunk.find("error"); error != chunk.end()) {
        transfer.streamProblem = "the server reported an error in the stream: " + error->dump().substr(0, 300);
        return false;
    }
    if (const auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
        if (const auto c = usage->find("completion_tokens"); c != usage->end() && c->is_number_integer())
            transfer.usageCompletionTokens = c->get<int>();
        if (const auto p = usage->find("prompt_tokens"); p != usage->end() && p->is_number_integer())
            transfer.timing->promptTokens = p->get<int>();
    }
    const auto choices = chunk.find("choices");
    if (choices == chunk.end() || !choices->is_array() || choices->empty())
        return true; // the usage chunk, or a keep-alive
    const nlohmann::json& choice = choices->front();
    if (!choice.is_object())
        return true;
    bool carriesText = false;
    if (transfer.chat) {
        if (const auto delta = choice.find("delta"); delta != choice.end() && delta->is_object())
            for (const char* field : {"content", "reasoning_content", "reasoning"})
                if (const auto text = delta->find(field); text != delta->end() && text->is_string() && !text->get_ref<const std::string&>().empty())
                    carriesText = true;
    } else if (const auto text = choice.find("text"); text != choice.end() && text->is_string()) {
        carriesText = !text->get_ref<const std::string&>().empty();
    }
    if (carriesText)
        transfer.timing->tokenS.push_back(nowS);
    if (const auto reason = choice.find("finish_reason"); reason != choice.end() && reason->is_string())
        transfer.finishReason = reason->get<std::string>();
    return true;
}

std::size_t onBytes(char* data, std::size_t size, std::size_t count, void* user)
{
    const auto arrived = Clock::now(); // first: the stamp is when the bytes reached us
    auto& transfer = *static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    RequestTiming& timing = *transfer.timing;
    const double nowS = secondsSince(transfer.origin, arrived);
    if (std::isnan(timing.firstByteS))
        timing.firstByteS = nowS;
    if (!transfer.checkedStatus) {
        long status = 0;
        curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
        timing.httpStatus = static_cast<int>(status);
        const char* type = nullptr;
        curl_easy_getinfo(transfer.easy, CURLINFO_CONTENT_TYPE, &type);
        transfer.eventStream = status < 300 && type && std::string_view(type).starts_with("text/event-stream");
        transfer.checkedStatus = true;
        if (status < 300 && !transfer.eventStream) {
            transfer.streamProblem = std::string("the server answered without streaming (Content-Type: ") +
                                     (type ? type : "none") + "); TTFT cannot be measured";
            return 0;
        }
    }
    if (!transfer.eventStream) { // an error body: keep its start for the message
        transfer.errorBody.append(data, std::min(bytes, kMaxErrorBodyBytes - std::min(kMaxErrorBodyBytes, transfer.errorBody.size())));
        return bytes;
    }
    try {
        for (const auto& event : transfer.decoder.feed(std::string_view(data, bytes), "stream"))
            if (!handleEvent(transfer, event, nowS))
                return 0; // stops the transfer: CURLE_WRITE_ERROR, reported with streamProblem
    } catch (const std::exception& error) {
        transfer.streamProblem = error.what();
        return 0;
    }
    transfer.overhead->chunkHandlingUs.push_back(std::chrono::duration<double, std::micro>(Clock::now() - arrived).count());
    return bytes;
}

std::string errorMessageOf(const std::string& body)
{
    const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_object())
        if (const auto error = parsed.find("error"); error != parsed.end()) {
            if (error->is_object())
                if (const auto message = error->find("message"); message != error->end() && message->is_string())
                    return message->get<std::string>();
            return error->dump().substr(0, 300);
        }
    std::string text = body.substr(0, 300);
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
}

void finish(Transfer& transfer, CURLcode code, double timeoutS)
{
    RequestTiming& timing = *transfer.timing;
    timing.endS = secondsSince(transfer.origin, Clock::now());
    if (!transfer.checkedStatus) {
        long status = 0;
        curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
        timing.httpStatus = static_cast<int>(status);
    }
    timing.outputTokens = transfer.usageCompletionTokens >= 0 ? transfer.usageCompletionTokens : static_cast<int>(timing.tokenS.size());
    if (code == CURLE_OPERATION_TIMEDOUT) {
        timing.timedOut = true;
        timing.error = "timed out after " + std::to_string(static_cast<int>(std::lround(timeoutS))) + " s";
    } else if (!transfer.streamProblem.empty()) {
        timing.error = transfer.streamProblem;
    } else if (code != CURLE_OK) {
        timing.error = std::string(transfer.curlError[0] ? transfer.curlError : curl_easy_strerror(code));
    } else if (timing.httpStatus >= 300) {
        timing.error = "HTTP " + std::to_string(timing.httpStatus) + ": " + errorMessageOf(transfer.errorBody);
    } else if (!transfer.sawDone && transfer.finishReason.empty()) {
        timing.error = transfer.decoder.hasPartialEvent() ? "the stream was cut in the middle of an event"
                                                          : "the stream ended without finish_reason or [DONE]";
    } else if (timing.tokenS.empty()) {
        timing.error = "the stream ended" + (transfer.finishReason.empty() ? std::string() : " (finish_reason " + transfer.finishReason + ")") +
                       " without generated text; a server that serves one request at a time may cut a running request off "
                       "when the next arrives (llama-cpp-python: --interrupt_requests false)";
    }
}

} // namespace

std::string endpointUrl(const ServerSettings& server)
{
    std::string url = server.baseUrl;
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    const std::string tail = server.chat ? "/chat/completions" : "/completions";
    if (url.size() >= tail.size() && url.compare(url.size() - tail.size(), tail.size(), tail) == 0)
        return url;
    return url + tail;
}

std::string requestBody(const ServerSettings& server, const RequestSpec& request)
{
    nlohmann::json body = {{"max_tokens", request.maxTokens},
                           {"stream", true},
                           {"stream_options", {{"include_usage", true}}},
                           {"temperature", 0.0}};
    if (server.chat)
        body["messages"] = nlohmann::json::array({{{"role", "user"}, {"content", request.prompt}}});
    else
        body["prompt"] = request.prompt;
    if (server.ignoreEos)
        body["ignore_eos"] = true;
    if (!server.model.empty())
        body["model"] = server.model;
    return body.dump();
}

LoadRun runLoad(const ServerSettings& server, const std::vector<RequestSpec>& requests,
                const std::vector<double>& arrivalsS, int maxConcurrency, const LoadCallbacks& callbacks)
{
    if (arrivalsS.size() != requests.size())
        throw ArgumentError("runLoad: one arrival time per request is needed");
    if (maxConcurrency < 1)
        throw ArgumentError("max concurrency must be at least 1");
    const std::string url = endpointUrl(server);
    if (!(url.starts_with("http://") || url.starts_with("https://")))
        throw ArgumentError("url: '" + server.baseUrl + "' is not an http:// or https:// URL");
    initialiseCurlOnce();

    LoadRun run;
    run.requests.resize(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        RequestTiming& timing = run.requests[i];
        timing.arrivalS = arrivalsS[i];
        timing.sendS = timing.firstByteS = timing.endS = kNotYet;
    }
    std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(), &curl_multi_cleanup);
    if (!multi)
        throw StudioError(ErrorCategory::Engine, "libcurl could not start a transfer set");
    std::vector<std::unique_ptr<Transfer>> active;
    std::deque<std::size_t> waiting;
    std::size_t nextArrival = 0, finished = 0;
    run.origin = Clock::now();

    auto start = [&](std::size_t index, bool held) {
        auto transfer = std::make_unique<Transfer>();
        transfer->timing = &run.requests[index];
        transfer->origin = run.origin;
        transfer->overhead = &run.overhead;
        transfer->chat = server.chat;
        transfer->body = requestBody(server, requests[index]);
        transfer->easy = curl_easy_init();
        if (!transfer->easy)
            throw StudioError(ErrorCategory::Engine, "libcurl could not create a request");
        transfer->headers = curl_slist_append(transfer->headers, "Content-Type: application/json");
        transfer->headers = curl_slist_append(transfer->headers, "Accept: text/event-stream");
        if (!server.apiKey.empty())
            transfer->headers = curl_slist_append(transfer->headers, ("Authorization: Bearer " + server.apiKey).c_str());
        CURL* easy = transfer->easy;
        curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->body.c_str());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(transfer->body.size()));
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &onBytes);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
        curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->curlError);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max(1.0, server.timeoutS * 1000)));
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
        RequestTiming& timing = run.requests[index];
        timing.heldForSlot = held;
        timing.sendS = secondsSince(run.origin, Clock::now());
        if (!held)
            run.overhead.dispatchLagUs.push_back((timing.sendS - timing.arrivalS) * 1e6);
        curl_multi_add_handle(multi.get(), easy);
        active.push_back(std::move(transfer));
    };
    auto abortAll = [&] {
        for (auto& transfer : active)
            curl_multi_remove_handle(multi.get(), transfer->easy);
        active.clear();
    };

    while (finished < requests.size()) {
        if (callbacks.cancelled && callbacks.cancelled()) {
            abortAll();
            throw CancelledError();
        }
        const double nowS = secondsSince(run.origin, Clock::now());
        while (nextArrival < requests.size() && arrivalsS[nextArrival] <= nowS) {
            if (waiting.empty() && static_cast<int>(active.size()) < maxConcurrency)
                start(nextArrival, false);
            else
                waiting.push_back(nextArrival);
            ++nextArrival;
        }
        while (!waiting.empty() && static_cast<int>(active.size()) < maxConcurrency) {
            start(waiting.front(), true);
            waiting.pop_front();
        }
        int running = 0;
        curl_multi_perform(multi.get(), &running);
        int queued = 0;
        while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
            if (message->msg != CURLMSG_DONE)
                continue;
            Transfer* transfer = nullptr;
            curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
            finish(*transfer, message->data.result, server.timeoutS);
            curl_multi_remove_handle(multi.get(), message->easy_handle);
            std::erase_if(active, [transfer](const auto& t) { return t.get() == transfer; });
            ++finished;
            if (callbacks.progress)
                callbacks.progress(finished);
        }
        if (finished == requests.size())
            break;
        // Sleep until bytes arrive or the next request is due (a slot that just freed is used at once).
        int waitMs = kMaxPollMs;
        if (!waiting.empty() && static_cast<int>(active.size()) < maxConcurrency)
            waitMs = 0;
        else if (nextArrival < requests.size()) {
            // Rounded down: the last millisecond before an arrival is spent polling without sleep,
            // so that a request leaves on time rather than up to a millisecond late.
            const double dueInMs = (arrivalsS[nextArrival] - secondsSince(run.origin, Clock::now())) * 1000;
            waitMs = std::clamp(static_cast<int>(std::floor(dueInMs)), 0, kMaxPollMs);
        }
        if (waitMs > 0)
            curl_multi_poll(multi.get(), nullptr, 0, waitMs, nullptr);
    }
    return run;
}

} // namespace ls::serving
