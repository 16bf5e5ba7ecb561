#include "TraceImport.h"
#include "TraceImportFast.h"

#include "engine/core/Error.h"
#include "engine/core/JsonFields.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace ls::reasoning {
namespace {

using nlohmann::json;

// Where we are, for error messages: "file.jsonl line 12".
struct Location {
    std::string source;
    std::size_t line;
    const char* unit = "line"; // "event" for a live stream
    std::string at() const { return source + " " + unit + " " + std::to_string(line); }
};

[[noreturn]] void fail(const Location& where, const std::string& field, const std::string& problem)
{
    throw FormatError(where.at(), "field '" + field + "' " + problem);
}

const json& member(const json& object, const char* key, const std::string& field, const Location& where)
{
    if (!object.is_object() || !object.contains(key) || object[key].is_null())
        fail(where, field + key, "is missing");
    return object[key];
}

const json& arrayMember(const json& object, const char* key, const std::string& field, const Location& where)
{
    const json& value = member(object, key, field, where);
    if (!value.is_array())
        fail(where, field + key, "must be an array");
    return value;
}

std::string stringMember(const json& object, const char* key, const std::string& field, const Location& where)
{
    const json& value = member(object, key, field, where);
    if (!value.is_string())
        fail(where, field + key, "must be a string");
    return value.get<std::string>();
}

// A log-probability: a finite number ≤ 0 (a little above 0 is rounding and is clamped).
float logprobValue(const json& value, const std::string& field, const Location& where)
{
    if (!value.is_number())
        fail(where, field, "must be a number (log-probability)");
    const double lp = value.get<double>();
    if (!std::isfinite(lp))
        fail(where, field, "is not finite");
    if (lp > 1e-4)
        fail(where, field, "is " + std::to_string(lp) + ", but a log-probability is at most 0 (a logit? vLLM's "
                           "--logprobs-mode raw_logits/processed_logits returns logits)");
    return static_cast<float>(std::min(lp, 0.0));
}

// A probability in [0, 1], returned as its log (0 → a very small log so that it stays finite).
float probabilityAsLog(const json& value, const std::string& field, const Location& where)
{
    if (!value.is_number())
        fail(where, field, "must be a number (probability)");
    const double p = value.get<double>();
    if (!(p >= 0 && p <= 1 + 1e-6))
        fail(where, field, "is " + std::to_string(p) + ", but a probability lies in [0, 1]");
    return static_cast<float>(std::log(std::max(p, 1e-30)));
}

std::optional<bool> labelOf(const json& object, const Location& where)
{
    for (const char* key : {"correct", "label"}) {
        if (!object.contains(key) || object[key].is_null())
            continue;
        const json& value = object[key];
        if (value.is_boolean()) return value.get<bool>();
        if (value.is_number()) return value.get<double>() != 0;
        if (value.is_string()) {
            const std::string text = value.get<std::string>();
            if (text == "correct" || text == "true" || text == "1") return true;
            if (text == "incorrect" || text == "wrong" || text == "false" || text == "0") return false;
        }
        fail(where, key, "must be true/false, 1/0 or \"correct\"/\"incorrect\"");
    }
    return std::nullopt;
}

// OpenAI content entries: {token, logprob, top_logprobs[{token, logprob}]}; llama.cpp's newer shape is the same.
void appendOpenAiContent(const json& content, const std::string& field, const Location& where, TraceSet& set, Trace& trace)
{
    for (std::size_t i = 0; i < content.size(); ++i) {
        const std::string at = field + "[" + std::to_string(i) + "].";
        const json& entry = content[i];
        Step step;
        step.chosen = set.vocabulary.intern(stringMember(entry, "token", at, where));
        step.logprob = logprobValue(member(entry, "logprob", at, where), at + "logprob", where);
        if (entry.contains("top_logprobs") && !entry["top_logprobs"].is_null()) {
            const json& top = arrayMember(entry, "top_logprobs", at, where);
            for (std::size_t k = 0; k < top.size(); ++k) {
                const std::string alt = at + "top_logprobs[" + std::to_string(k) + "].";
                step.top.push_back({set.vocabulary.intern(stringMember(top[k], "token", alt, where)),
                                    logprobValue(member(top[k], "logprob", alt, where), alt + "logprob", where)});
            }
        }
        trace.steps.push_back(std::move(step));
    }
}

void appendLegacy(const json& logprobs, const std::string& choiceField, const Location& where, TraceSet& set, Trace& trace)
{
    const std::string field = choiceField + "logprobs.";
    const json& tokens = arrayMember(logprobs, "tokens", field, where);
    const json& tokenLogprobs = arrayMember(logprobs, "token_logprobs", field, where);
    if (tokenLogprobs.size() != tokens.size())
        fail(where, field + "token_logprobs", "has " + std::to_string(tokenLogprobs.size()) + " entries for " +
                                                  std::to_string(tokens.size()) + " tokens");
    const json* top = logprobs.contains("top_logprobs") && logprobs["top_logprobs"].is_array() ? &logprobs["top_logprobs"] : nullptr;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string at = "[" + std::to_string(i) + "]";
        if (!tokens[i].is_string())
            fail(where, field + "tokens" + at, "must be a string");
        Step step;
        step.chosen = set.vocabulary.intern(tokens[i].get<std::string>());
        // The first token of a legacy echo has a null log-probability: treat it as certain.
        step.logprob = tokenLogprobs[i].is_null() ? 0.0f : logprobValue(tokenLogprobs[i], field + "token_logprobs" + at, where);
        if (top && i < top->size() && (*top)[i].is_object())
            for (const auto& [token, lp] : (*top)[i].items())
                step.top.push_back({set.vocabulary.intern(token), logprobValue(lp, field + "top_logprobs" + at + "." + token, where)});
        trace.steps.push_back(std::move(step));
    }
}

void appendLlamaCpp(const json& probabilities, const Location& where, TraceSet& set, Trace& trace)
{
    const std::string field = "completion_probabilities";
    bool postSampling = false;
    for (std::size_t i = 0; i < probabilities.size(); ++i) {
        const std::string at = field + "[" + std::to_string(i) + "].";
        const json& entry = probabilities[i];
        Step step;
        if (entry.contains("probs")) { // older: {content, probs[{tok_str, prob}]}
            const std::string content = stringMember(entry, "content", at, where);
            step.chosen = set.vocabulary.intern(content);
            step.logprob = 0;
            const json& probs = arrayMember(entry, "probs", at, where);
            for (std::size_t k = 0; k < probs.size(); ++k) {
                const std::string alt = at + "probs[" + std::to_string(k) + "].";
                const std::string token = stringMember(probs[k], "tok_str", alt, where);
                const float lp = probabilityAsLog(member(probs[k], "prob", alt, where), alt + "prob", where);
                step.top.push_back({set.vocabulary.intern(token), lp});
                if (token == content)
                    step.logprob = lp;
            }
            postSampling = true;
        } else if (entry.contains("top_probs")) { // post-sampling probabilities
            step.chosen = set.vocabulary.intern(stringMember(entry, "token", at, where));
            step.logprob = probabilityAsLog(member(entry, "prob", at, where), at + "prob", where);
            const json& top = arrayMember(entry, "top_probs", at, where);
            for (std::size_t k = 0; k < top.size(); ++k) {
                const std::string alt = at + "top_probs[" + std::to_string(k) + "].";
                step.top.push_back({set.vocabulary.intern(stringMember(top[k], "token", alt, where)),
                                    probabilityAsLog(member(top[k], "prob", alt, where), alt + "prob", where)});
            }
            postSampling = true;
        } else {
            json wrapper = json::array({entry});
            appendOpenAiContent(wrapper, field + "[" + std::to_string(i) + "]", where, set, trace);
            continue;
        }
        trace.steps.push_back(std::move(step));
    }
    const std::string note = "llama.cpp probabilities (not log-probabilities) were converted with ln p";
    if (postSampling && std::find(set.notes.begin(), set.notes.end(), note) == set.notes.end())
        set.notes.push_back(note);
}

// vLLM writes the OpenAI shapes plus fields of its own ('stop_reason', 'prompt_logprobs'). What its
// numbers mean depends on the server's --logprobs-mode, which the response does not say.
void noteVllm(const json& object, const json& choice, TraceSet& set)
{
    const bool isVllm = (choice.is_object() && choice.contains("stop_reason")) || object.contains("prompt_logprobs");
    if (isVllm)
        noteVllmOutput(set);
}

} // namespace

void noteVllmOutput(TraceSet& set)
{
    if (set.vllmNoted)
        return;
    set.vllmNoted = true;
    set.notes.push_back("vLLM output: its log-probabilities follow the server's --logprobs-mode (default raw_logprobs: "
                        "from the model's logits before temperature, penalties and top-k/top-p; processed_logprobs: "
                        "the distribution actually sampled from). The *_logits modes return logits, which are rejected.");
}

namespace {

// Streamed responses arrive as many objects; these join them, one trace per choice index (a stream
// with n > 1 interleaves its choices' chunks).
struct PendingStream {
    std::string key;               // response id (OpenAI), or "llama.cpp stream"
    std::map<int, Trace> choices;  // by choice index
    std::set<int> finished;        // choices whose finish_reason has arrived
    Location start;
    bool open = false;
    bool allFinished() const { return !choices.empty() && finished.size() == choices.size(); }
};

void finishTrace(Trace&& trace, const Location& where, TraceSet& set)
{
    if (trace.steps.empty())
        throw FormatError(where.at(), "the response holds no tokens with log-probabilities (empty content)");
    set.traces.push_back(std::move(trace));
}

void flush(PendingStream& pending, TraceSet& set)
{
    if (pending.open)
        for (auto& [index, trace] : pending.choices) {
            if (pending.choices.size() > 1)
                trace.id += " choice " + std::to_string(index);
            finishTrace(std::move(trace), pending.start, set);
        }
    pending = {};
}

void importObjectUnguarded(const json& object, const Location& where, TraceSet& set, PendingStream& pending);

// Every JSON library error inside one response (a wrong type met by .value(), an index past an
// array's end) becomes a FormatError naming the file and the line.
void importObject(const json& object, const Location& where, TraceSet& set, PendingStream& pending)
{
    try {
        importObjectUnguarded(object, where, set, pending);
    } catch (const json::exception& e) {
        throw FormatError(where.at(), std::string("malformed response (") + e.what() + ")");
    }
}

// The labels a response may carry, applied to each of its traces.
void applyLabels(const json& object, const Location& where, Trace& trace)
{
    if (const auto label = labelOf(object, where))
        trace.correct = label;
    if (object.contains("answer") && object["answer"].is_string())
        trace.answer = object["answer"].get<std::string>();
}

int choiceIndex(const json& choice, std::size_t position, const Location& where)
{
    if (!choice.is_object())
        fail(where, "choices[" + std::to_string(position) + "]", "must be an object");
    if (!choice.contains("index") || choice["index"].is_null())
        return static_cast<int>(position);
    const int index = jsonAs<int>(choice["index"], where.at() + " choices[" + std::to_string(position) + "].index");
    if (index < 0 || index > 1024)
        fail(where, "choices[" + std::to_string(position) + "].index", "must be 0 … 1024");
    return index;
}

// One choice's log-probabilities, chat (content[]) or legacy (tokens[], token_logprobs[]).
void appendChoice(const json& choice, const std::string& field, bool chatShape, const Location& where, TraceSet& set, Trace& trace)
{
    const json& logprobs = choice["logprobs"];
    if (chatShape) {
        if (logprobs.contains("content") && !logprobs["content"].is_null())
            appendOpenAiContent(arrayMember(logprobs, "content", field + "logprobs.", where), field + "logprobs.content", where, set, trace);
    } else {
        appendLegacy(logprobs, field, where, set, trace);
    }
}

bool hasText(const json& choice)
{
    for (const char* key : {"delta", "message"})
        if (choice.contains(key) && choice[key].is_object() && choice[key].contains("content") && choice[key]["content"].is_string() &&
            !choice[key]["content"].get<std::string>().empty())
            return true;
    return choice.contains("text") && choice["text"].is_string() && !choice["text"].get<std::string>().empty();
}

// OpenAI shapes: chat completions and their chunks, legacy completions and their chunks. Every
// choice becomes its own trace; chunks join the pending stream of their response id.
void importChoices(const json& object, const Location& where, TraceSet& set, PendingStream& pending)
{
    const std::string kind = object.contains("object") && object["object"].is_string() ? object["object"].get<std::string>() : "";
    const json& choices = arrayMember(object, "choices", "", where);
    const bool isChatChunk = kind == "chat.completion.chunk";
    bool chatShape = kind.starts_with("chat.");
    if (kind.empty()) // unnamed: the shape of the first choice's log-probabilities says which
        for (const auto& choice : choices)
            if (choice.is_object() && choice.contains("logprobs") && choice["logprobs"].is_object())
                chatShape = choice["logprobs"].contains("content") || !choice["logprobs"].contains("tokens");
    // A legacy stream's chunks look like whole responses, except that finish_reason stays null
    // until a choice's last chunk; so text_completion objects of one id join while a choice is open.
    const bool isLegacyChunk = kind == "text_completion";
    const bool isChunk = isChatChunk || isLegacyChunk;
    if (isChunk && choices.empty())
        return; // a closing chunk with only 'usage' (stream_options.include_usage)
    if (!isChunk && choices.empty())
        fail(where, "choices", "is empty");
    const std::string id = object.contains("id") && object["id"].is_string() ? object["id"].get<std::string>() : "";
    const bool joins = isChunk && pending.open && pending.key == id && !pending.allFinished();
    if (!joins) {
        flush(pending, set);
        pending.key = isChunk ? id : "";
        pending.start = where;
        pending.open = true;
    }
    set.format = isChatChunk ? "OpenAI chat completion stream" : chatShape ? "OpenAI chat completions"
               : isLegacyChunk && joins ? "OpenAI legacy completions stream" : "OpenAI legacy completions";
    for (std::size_t position = 0; position < choices.size(); ++position) {
        const json& choice = choices[position];
        const int index = choiceIndex(choice, position, where);
        const std::string field = "choices[" + std::to_string(position) + "].";
        auto [entry, added] = pending.choices.try_emplace(index);
        Trace& trace = entry->second;
        if (added)
            trace.id = !id.empty() ? id : "line " + std::to_string(where.line);
        applyLabels(object, where, trace);
        noteVllm(object, choice, set);
        if (!choice.contains("logprobs") || choice["logprobs"].is_null()) {
            if (hasText(choice))
                fail(where, field + "logprobs", "is missing although the choice carries text (request with logprobs=true and top_logprobs=k)");
            if (!isChunk)
                fail(where, field + "logprobs", "is missing (request with logprobs=true and top_logprobs=k)");
        } else {
            appendChoice(choice, field, chatShape, where, set, trace);
        }
        if (choice.contains("finish_reason") && choice["finish_reason"].is_string())
            pending.finished.insert(index);
    }
    if (!isChunk)
        flush(pending, set);
}

// llama.cpp's /completion stream. Older servers repeat every token's probabilities in the final
// ("stop": true) event; newer ones end with an event that has "tokens": [] and no probabilities.
void importLlamaChunk(const json& object, const Location& where, TraceSet& set, PendingStream& pending)
{
    if (!pending.open || pending.key != "llama.cpp stream") {
        flush(pending, set);
        pending.key = "llama.cpp stream";
        pending.start = where;
        pending.open = true;
        pending.choices[0].id = object.contains("id") && object["id"].is_string() ? object["id"].get<std::string>()
                                                                                 : "line " + std::to_string(where.line);
        set.format = "llama.cpp stream";
    }
    Trace& trace = pending.choices[0];
    applyLabels(object, where, trace);
    const bool stop = object["stop"].is_boolean() && object["stop"].get<bool>();
    if (object.contains("completion_probabilities") && !object["completion_probabilities"].is_null()) {
        const json& probabilities = arrayMember(object, "completion_probabilities", "", where);
        if (stop && !trace.steps.empty() && !probabilities.empty()) {
            // The final event of an older server: the whole generation again. Only what extends the
            // streamed tokens is new; a list that disagrees with them is refused, not guessed at.
            Trace repeated;
            appendLlamaCpp(probabilities, where, set, repeated);
            const std::size_t streamed = trace.steps.size();
            bool prefix = repeated.steps.size() >= streamed;
            for (std::size_t i = 0; prefix && i < streamed; ++i)
                prefix = repeated.steps[i].chosen == trace.steps[i].chosen;
            if (!prefix)
                fail(where, "completion_probabilities", "of the final event (" + std::to_string(repeated.steps.size()) +
                                                           " tokens) do not repeat the " + std::to_string(streamed) + " streamed tokens");
            trace.steps.insert(trace.steps.end(), std::make_move_iterator(repeated.steps.begin() + static_cast<std::ptrdiff_t>(streamed)),
                               std::make_move_iterator(repeated.steps.end()));
        } else {
            appendLlamaCpp(probabilities, where, set, trace);
        }
    }
    if (stop)
        flush(pending, set);
}

void importObjectUnguarded(const json& object, const Location& where, TraceSet& set, PendingStream& pending)
{
    if (!object.is_object())
        throw FormatError(where.at(), "expected a JSON object per response");
    if (object.contains("choices")) {
        importChoices(object, where, set, pending);
        return;
    }
    // llama.cpp: a stream event, or a whole response (which also says "stop": true)
    const bool isLlamaEvent = object.contains("stop") &&
                              (object.contains("completion_probabilities") || (object.contains("tokens") && !object.contains("top_tokens")));
    if (isLlamaEvent) {
        importLlamaChunk(object, where, set, pending);
        return;
    }
    flush(pending, set);

    Trace trace;
    trace.id = object.contains("id") && object["id"].is_string() ? object["id"].get<std::string>() : "line " + std::to_string(where.line);
    applyLabels(object, where, trace);
    if (object.contains("completion_probabilities")) { // a whole llama.cpp response without "stop"
        const json& probabilities = arrayMember(object, "completion_probabilities", "", where);
        appendLlamaCpp(probabilities, where, set, trace);
        set.format = "llama.cpp completion_probabilities";
    } else if (object.contains("tokens")) {
        const json& tokens = arrayMember(object, "tokens", "", where);
        const json& topTokens = arrayMember(object, "top_tokens", "", where);
        const json& topLogprobs = arrayMember(object, "top_logprobs", "", where);
        if (topTokens.size() != tokens.size() || topLogprobs.size() != tokens.size())
            fail(where, "top_tokens", "and 'top_logprobs' need one entry per token");
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            const std::string at = "[" + std::to_string(i) + "]";
            if (!tokens[i].is_string())
                fail(where, "tokens" + at, "must be a string");
            if (!topTokens[i].is_array() || !topLogprobs[i].is_array() || topTokens[i].size() != topLogprobs[i].size())
                fail(where, "top_tokens" + at, "and 'top_logprobs" + at + "' must be arrays of equal length");
            Step step;
            step.chosen = set.vocabulary.intern(tokens[i].get<std::string>());
            step.logprob = object.contains("logprobs") ? logprobValue(object["logprobs"].at(i), "logprobs" + at, where) : 0.0f;
            for (std::size_t k = 0; k < topTokens[i].size(); ++k) {
                if (!topTokens[i][k].is_string())
                    fail(where, "top_tokens" + at + "[" + std::to_string(k) + "]", "must be a string");
                step.top.push_back({set.vocabulary.intern(topTokens[i][k].get<std::string>()),
                                    logprobValue(topLogprobs[i][k], "top_logprobs" + at + "[" + std::to_string(k) + "]", where)});
            }
            trace.steps.push_back(std::move(step));
        }
        set.format = "plain JSONL";
    } else {
        throw FormatError(where.at(), "not a recognised log-probability response (expected 'choices', "
                                      "'completion_probabilities' or 'tokens')");
    }
    finishTrace(std::move(trace), where, set);
}

json parseLine(const std::string& text, const Location& where)
{
    try {
        return json::parse(text);
    } catch (const json::exception& e) { // syntax, and numbers out of range such as -1e400
        throw FormatError(where.at(), std::string("invalid JSON (") + e.what() + ")");
    }
}

// One JSON document: an object, or an array of objects (pretty-printed exports). The parser reads
// the stream as it goes and each array element is imported and dropped as soon as it is parsed,
// so memory holds one response at a time, however large the file.
void importDocument(std::istream& in, const std::string& source, TraceSet& set, PendingStream& pending)
{
    const std::streampos start = in.tellg();
    bool topIsArray = false;
    std::size_t element = 0;
    const json::parser_callback_t importElements = [&](int depth, json::parse_event_t event, json& parsed) {
        if (depth >= kMaxJsonDepth)
            throw FormatError(source, "JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        if (depth == 0 && event == json::parse_event_t::array_start)
            topIsArray = true;
        // An element ends with object_end (or array_end, or value for a scalar) at depth 1.
        const bool elementEnds = event == json::parse_event_t::object_end || event == json::parse_event_t::array_end ||
                                 event == json::parse_event_t::value;
        if (topIsArray && depth == 1 && elementEnds) {
            importObject(parsed, {source, ++element, "element"}, set, pending);
            return false; // not kept in the document
        }
        return true;
    };
    json document;
    try {
        document = json::parse(in, importElements);
    } catch (const json::parse_error& e) {
        // The line of the error, counted only now that there is one.
        in.clear();
        in.seekg(start);
        std::size_t line = 1;
        char c;
        for (std::size_t offset = 1; offset < e.byte && in.get(c); ++offset)
            line += c == '\n';
        throw FormatError(source + " line " + std::to_string(line), std::string("invalid JSON (") + e.what() + ")");
    } catch (const json::exception& e) { // a number out of range: the parser gives no position for it
        throw FormatError(source, std::string("invalid JSON (") + e.what() + ")");
    }
    if (!topIsArray)
        importObject(document, {source, 1}, set, pending);
    flush(pending, set);
}

enum class EventStreamLine { None, Data, Done, Other };

// "data: {...}", "data: [DONE]", and the other fields and comments of a text/event-stream body.
EventStreamLine eventStreamLine(const std::string& line)
{
    if (line.starts_with("data:")) {
        const std::string_view payload = std::string_view(line).substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
        return payload == "[DONE]" ? EventStreamLine::Done : EventStreamLine::Data;
    }
    if (line.starts_with(":") || line.starts_with("event:") || line.starts_with("id:") || line.starts_with("retry:"))
        return EventStreamLine::Other;
    return EventStreamLine::None;
}

TraceSet importStream(std::istream& in, const std::string& source)
{
    TraceSet set;
    PendingStream pending;
    std::string line;
    std::size_t number = 0;
    // JSON Lines unless the first non-blank line is not a complete JSON value (a pretty-printed document).
    std::streampos start = in.tellg();
    bool sawEventStream = false;
    while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        // A raw server-sent-events capture (curl -N > file): each event's data line is one chunk.
        if (line.back() == '\r')
            line.pop_back();
        if (const auto kind = eventStreamLine(line); kind != EventStreamLine::None) {
            sawEventStream = true;
            if (kind == EventStreamLine::Done)
                flush(pending, set);
            if (kind != EventStreamLine::Data)
                continue;
            line.erase(0, line[5] == ' ' ? 6 : 5);
        }
        // Parsed once, without exceptions: a line that is not a whole JSON value is either the start
        // of a pretty-printed document or an error.
        json object = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (object.is_discarded()) {
            try { // a whole line whose only fault is a number out of range (-1e400) is an error of this line
                (void)json::parse(line);
            } catch (const json::out_of_range&) {
                parseLine(line, {source, number});
            } catch (const json::exception&) {
            }
            if (set.traces.empty() && !pending.open && !sawEventStream) {
                in.clear();
                in.seekg(start);
                importDocument(in, source, set, pending);
                break;
            }
            parseLine(line, {source, number}); // throws with the line number and the parser's reason
        }
        importObject(object, {source, number}, set, pending);
    }
    flush(pending, set);
    if (set.traces.empty())
        throw FormatError(source, "no responses found (the file is empty)");
    return set;
}

} // namespace

ChatChunk appendChatCompletionChunk(const std::string& chunkJson, const std::string& source, std::size_t eventNumber,
                                    TraceSet& set, Trace& trace)
{
    const Location where{source, eventNumber, "event"};
    const json chunk = parseLine(chunkJson, where);
    if (!chunk.is_object())
        throw FormatError(where.at(), "expected a JSON object (a chat.completion.chunk)");
    if (chunk.contains("error")) { // servers report failures mid-stream this way
        const json& error = chunk["error"];
        const std::string message = error.is_object() && error.contains("message") && error["message"].is_string()
                                        ? error["message"].get<std::string>()
                                        : error.dump();
        throw FormatError(where.at(), "the server reported an error: " + message);
    }
    ChatChunk result;
    if (chunk.contains("id") && chunk["id"].is_string())
        result.responseId = chunk["id"].get<std::string>();
    const json& choices = arrayMember(chunk, "choices", "", where);
    if (choices.empty()) // e.g. a closing chunk that carries only 'usage'
        return result;
    const json& choice = choices[0];
    noteVllm(chunk, choice, set);
    if (choice.contains("finish_reason") && choice["finish_reason"].is_string())
        result.finishReason = choice["finish_reason"].get<std::string>();
    const bool hasText = choice.contains("delta") && choice["delta"].is_object() && choice["delta"].contains("content") &&
                         choice["delta"]["content"].is_string() && !choice["delta"]["content"].get<std::string>().empty();
    if (!choice.contains("logprobs") || choice["logprobs"].is_null()) {
        if (hasText)
            fail(where, "choices[0].logprobs", "is missing although the chunk carries text (does the server support "
                                               "logprobs=true with top_logprobs?)");
        return result;
    }
    const std::size_t before = trace.steps.size();
    const json& logprobs = choice["logprobs"];
    if (logprobs.contains("content") && !logprobs["content"].is_null()) {
        try {
            appendOpenAiContent(arrayMember(logprobs, "content", "choices[0].logprobs.", where), "choices[0].logprobs.content",
                                where, set, trace);
        } catch (...) {
            trace.steps.resize(before); // a chunk joins whole or not at all
            throw;
        }
    }
    result.stepsAdded = trace.steps.size() - before;
    return result;
}

TraceSet importTraceFile(const std::filesystem::path& path)
{
    // Large exports are JSON Lines of whole chat completions: read those with simdjson on every
    // core; anything else (and any problem) goes to the general importer below.
    if (auto fast = importChatCompletionsJsonlFast(path, static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))))
        return std::move(*fast);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw FileError(path.string(), std::filesystem::exists(path) ? "cannot be opened for reading" : "no such file");
    return importStream(in, path.string());
}

TraceSet importTraceText(const std::string& text, const std::string& source)
{
    std::istringstream in(text);
    return importStream(in, source);
}

} // namespace ls::reasoning
