#include "TraceImport.h"

#include "engine/core/Error.h"
#include "engine/core/JsonFields.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

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

void appendLegacy(const json& logprobs, const Location& where, TraceSet& set, Trace& trace)
{
    const std::string field = "choices[0].logprobs.";
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
    if (!isVllm || set.vllmNoted)
        return;
    set.vllmNoted = true;
    set.notes.push_back("vLLM output: its log-probabilities follow the server's --logprobs-mode (default raw_logprobs: "
                        "from the model's logits before temperature, penalties and top-k/top-p; processed_logprobs: "
                        "the distribution actually sampled from). The *_logits modes return logits, which are rejected.");
}

// Streamed responses arrive as many objects; these join them.
struct PendingStream {
    std::string key; // response id (OpenAI) or "llama.cpp stream"
    Trace trace;
    Location start;
    bool open = false;
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
        finishTrace(std::move(pending.trace), pending.start, set);
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

void importObjectUnguarded(const json& object, const Location& where, TraceSet& set, PendingStream& pending)
{
    if (!object.is_object())
        throw FormatError(where.at(), "expected a JSON object per response");
    const bool isOpenAiChunk = object.value("object", "") == "chat.completion.chunk";
    const bool isLlamaChunk = object.contains("stop") && object.contains("completion_probabilities") && !object.contains("choices");
    if (!isOpenAiChunk && !isLlamaChunk)
        flush(pending, set);

    Trace trace;
    trace.id = object.contains("id") && object["id"].is_string() ? object["id"].get<std::string>() : "line " + std::to_string(where.line);
    trace.correct = labelOf(object, where);
    if (object.contains("answer") && object["answer"].is_string())
        trace.answer = object["answer"].get<std::string>();

    if (object.contains("choices")) {
        const json& choices = arrayMember(object, "choices", "", where);
        if (choices.empty())
            fail(where, "choices", "is empty");
        const json& choice = choices[0];
        noteVllm(object, choice, set);
        if (!choice.contains("logprobs") || choice["logprobs"].is_null()) {
            if (isOpenAiChunk) // the final chunk carries no log-probabilities
                return;
            fail(where, "choices[0].logprobs", "is missing (request with logprobs=true and top_logprobs=k)");
        }
        const json& logprobs = choice["logprobs"];
        if (logprobs.contains("content")) {
            if (isOpenAiChunk) {
                if (!pending.open || pending.key != trace.id) {
                    flush(pending, set);
                    pending = {trace.id, std::move(trace), where, true};
                    set.format = "OpenAI chat completion stream";
                }
                appendOpenAiContent(arrayMember(logprobs, "content", "choices[0].logprobs.", where), "choices[0].logprobs.content",
                                    where, set, pending.trace);
                return;
            }
            appendOpenAiContent(arrayMember(logprobs, "content", "choices[0].logprobs.", where), "choices[0].logprobs.content", where,
                                set, trace);
            set.format = "OpenAI chat completions";
        } else {
            appendLegacy(logprobs, where, set, trace);
            set.format = "OpenAI legacy completions";
        }
    } else if (object.contains("completion_probabilities")) {
        const json& probabilities = arrayMember(object, "completion_probabilities", "", where);
        if (isLlamaChunk) {
            if (!pending.open) {
                pending = {"llama.cpp stream", std::move(trace), where, true};
                set.format = "llama.cpp stream";
            }
            appendLlamaCpp(probabilities, where, set, pending.trace);
            if (object["stop"].is_boolean() && object["stop"].get<bool>()) {
                if (const auto label = labelOf(object, where))
                    pending.trace.correct = label;
                flush(pending, set);
            }
            return;
        }
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

TraceSet importStream(std::istream& in, const std::string& source)
{
    TraceSet set;
    PendingStream pending;
    std::string line;
    std::size_t number = 0;
    // JSON Lines unless the first non-blank line is not a complete JSON value (a pretty-printed document).
    std::streampos start = in.tellg();
    while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
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
            if (set.traces.empty() && !pending.open) {
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
