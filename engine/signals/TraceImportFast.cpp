// The fast path of importTraceFile for the common large case: JSON Lines of whole OpenAI-style chat
// completions ("object": "chat.completion", one response per line). simdjson's on-demand parser
// reads each line in place from a block of the file, and the file's lines are split between
// threads; each thread interns tokens into its own vocabulary, merged in line order at the end.
// Anything this path does not read exactly as the general importer would (another shape, a
// malformed line, a value out of range) makes it step aside: the caller re-reads the file with
// the general importer, which then reports the problem with its file and line.
#include "TraceImportFast.h"

#include "engine/core/ParallelFor.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string_view>

namespace ls::reasoning {
namespace {

namespace od = simdjson::ondemand;

struct StepAside {}; // this file is for the general importer

void check(simdjson::error_code error)
{
    if (error)
        throw StepAside{};
}

template <class T> T value(simdjson::simdjson_result<T> result)
{
    T out;
    check(std::move(result).get(out));
    return out;
}

// As logprobValue in TraceImport.cpp: finite, at most 0 (a little above is rounding).
float logprobOf(od::value field)
{
    const double lp = value(field.get_double());
    if (!std::isfinite(lp) || lp > 1e-4)
        throw StepAside{};
    return static_cast<float>(std::min(lp, 0.0));
}

std::optional<bool> labelOf(od::value field)
{
    switch (value(field.type())) {
    case od::json_type::null: return std::nullopt;
    case od::json_type::boolean: return value(field.get_bool());
    case od::json_type::number: return value(field.get_double()) != 0;
    case od::json_type::string: {
        const std::string_view text = value(field.get_string());
        if (text == "correct" || text == "true" || text == "1") return true;
        if (text == "incorrect" || text == "wrong" || text == "false" || text == "0") return false;
        throw StepAside{};
    }
    default: throw StepAside{};
    }
}

struct LineResult {
    std::vector<std::pair<int, Trace>> choices; // by choice index, as the general importer orders them
};

// One response: {"id", "object": "chat.completion", "choices": [{index, logprobs: {content: [...]}}],
// "correct"/"label", "answer", ...}. Fields may come in any order.
void readResponse(od::document& document, std::size_t lineNumber, Vocabulary& vocabulary, TraceSet& out, bool& vllm)
{
    od::object response = value(document.get_object());
    std::string id, answer;
    std::optional<bool> fromCorrect, fromLabel; // absent or null: nullopt
    bool isChat = false;
    std::map<int, Trace> choices;
    std::size_t position = 0;
    for (auto field : response) {
        const std::string_view key = value(field.unescaped_key());
        od::value item = value(field.value());
        if (key == "id") {
            if (value(item.type()) == od::json_type::string)
                id = std::string(value(item.get_string()));
        } else if (key == "object") {
            isChat = value(item.get_string()) == "chat.completion";
        } else if (key == "correct") {
            fromCorrect = labelOf(item);
        } else if (key == "label") {
            fromLabel = labelOf(item);
        } else if (key == "answer") {
            if (value(item.type()) == od::json_type::string)
                answer = std::string(value(item.get_string()));
        } else if (key == "prompt_logprobs") {
            vllm = true;
        } else if (key == "choices") {
            for (auto choiceValue : value(item.get_array())) {
                od::object choice = value(choiceValue.get_object());
                int index = static_cast<int>(position++);
                Trace trace;
                bool sawLogprobs = false;
                for (auto choiceField : choice) {
                    const std::string_view choiceKey = value(choiceField.unescaped_key());
                    od::value choiceItem = value(choiceField.value());
                    if (choiceKey == "index") {
                        if (value(choiceItem.type()) != od::json_type::null) {
                            const std::int64_t given = value(choiceItem.get_int64());
                            if (given < 0 || given > 1024)
                                throw StepAside{};
                            index = static_cast<int>(given);
                        }
                    } else if (choiceKey == "stop_reason") {
                        vllm = true;
                    } else if (choiceKey == "logprobs") {
                        od::object logprobs = value(choiceItem.get_object());
                        for (auto logprobsField : logprobs) {
                            if (value(logprobsField.unescaped_key()) != "content")
                                continue;
                            od::value content = value(logprobsField.value());
                            if (value(content.type()) == od::json_type::null)
                                continue;
                            for (auto entryValue : value(content.get_array())) {
                                od::object entry = value(entryValue.get_object());
                                Step step;
                                bool sawToken = false, sawLogprob = false;
                                for (auto entryField : entry) {
                                    const std::string_view entryKey = value(entryField.unescaped_key());
                                    if (entryKey == "token") {
                                        step.chosen = vocabulary.intern(std::string(value(entryField.value().get_string())));
                                        sawToken = true;
                                    } else if (entryKey == "logprob") {
                                        step.logprob = logprobOf(value(entryField.value()));
                                        sawLogprob = true;
                                    } else if (entryKey == "top_logprobs") {
                                        od::value top = value(entryField.value());
                                        if (value(top.type()) == od::json_type::null)
                                            continue;
                                        for (auto alternativeValue : value(top.get_array())) {
                                            od::object alternative = value(alternativeValue.get_object());
                                            std::optional<TokenId> token;
                                            std::optional<float> lp;
                                            for (auto alternativeField : alternative) {
                                                const std::string_view altKey = value(alternativeField.unescaped_key());
                                                if (altKey == "token")
                                                    token = vocabulary.intern(std::string(value(alternativeField.value().get_string())));
                                                else if (altKey == "logprob")
                                                    lp = logprobOf(value(alternativeField.value()));
                                            }
                                            if (!token || !lp)
                                                throw StepAside{};
                                            step.top.push_back({*token, *lp});
                                        }
                                    }
                                }
                                if (!sawToken || !sawLogprob)
                                    throw StepAside{};
                                trace.steps.push_back(std::move(step));
                            }
                        }
                        sawLogprobs = true;
                    }
                }
                if (!sawLogprobs || trace.steps.empty() || choices.contains(index))
                    throw StepAside{}; // missing log-probabilities or an empty trace: the general importer says so
                choices.emplace(index, std::move(trace));
            }
        }
    }
    if (!isChat || choices.empty())
        throw StepAside{};
    for (auto& [index, trace] : choices) {
        trace.id = !id.empty() ? id : "line " + std::to_string(lineNumber);
        if (choices.size() > 1)
            trace.id += " choice " + std::to_string(index);
        trace.correct = fromCorrect ? fromCorrect : fromLabel; // "correct" wins, as in the general importer
        trace.answer = answer;
        out.traces.push_back(std::move(trace));
    }
}

// The lines of [begin, end) of the file, parsed into `out` with its own vocabulary.
void readRange(const std::filesystem::path& path, std::uint64_t begin, std::uint64_t end, std::size_t firstLine, TraceSet& out, bool& vllm)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw StepAside{};
    in.seekg(static_cast<std::streamoff>(begin));
    od::parser parser;
    constexpr std::size_t kBlock = std::size_t{64} << 20;
    std::vector<char> buffer;
    std::size_t held = 0; // bytes of an unfinished line carried to the next block
    std::uint64_t at = begin;
    std::size_t lineNumber = firstLine;
    while (at < end || held > 0) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, end - at));
        buffer.resize(held + want + simdjson::SIMDJSON_PADDING);
        in.read(buffer.data() + held, static_cast<std::streamsize>(want));
        if (static_cast<std::size_t>(in.gcount()) != want)
            throw StepAside{};
        at += want;
        const std::size_t filled = held + want;
        std::memset(buffer.data() + filled, ' ', simdjson::SIMDJSON_PADDING);
        std::size_t lineStart = 0;
        while (lineStart < filled) {
            const char* newline = static_cast<const char*>(std::memchr(buffer.data() + lineStart, '\n', filled - lineStart));
            if (!newline && at < end)
                break; // the rest of this line is in the next block
            const std::size_t lineEnd = newline ? static_cast<std::size_t>(newline - buffer.data()) : filled;
            std::string_view line(buffer.data() + lineStart, lineEnd - lineStart);
            if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
                od::document document = value(parser.iterate(line.data(), line.size(), buffer.size() - lineStart));
                readResponse(document, lineNumber, out.vocabulary, out, vllm);
                if (!document.current_location().error()) // something follows the object on this line
                    throw StepAside{};
            }
            ++lineNumber;
            lineStart = lineEnd + 1;
        }
        held = lineStart < filled ? filled - lineStart : 0;
        if (held > 0)
            std::memmove(buffer.data(), buffer.data() + lineStart, held);
    }
}

} // namespace

std::optional<TraceSet> importChatCompletionsJsonlFast(const std::filesystem::path& path, int threads)
{
    std::error_code ec;
    const std::uint64_t size = std::filesystem::file_size(path, ec);
    if (ec || size == 0)
        return std::nullopt;
    {
        // A first look: whole chat completions, one per line, start with '{' on the first line.
        std::ifstream in(path, std::ios::binary);
        char first = 0;
        while (in.get(first) && (first == ' ' || first == '\t' || first == '\r' || first == '\n')) {
        }
        if (first != '{')
            return std::nullopt;
    }
    // Split at line starts, one range per thread, and count the lines before each for messages.
    const int parts = std::max(1, static_cast<int>(std::min<std::uint64_t>(threads, size / (1 << 20) + 1)));
    std::vector<std::uint64_t> bounds{0};
    std::vector<std::size_t> firstLines{1};
    {
        std::ifstream in(path, std::ios::binary);
        std::uint64_t position = 0;
        std::size_t lines = 0;
        std::vector<char> chunk(1 << 20);
        for (int part = 1; part < parts; ++part) {
            const std::uint64_t target = size * static_cast<std::uint64_t>(part) / static_cast<std::uint64_t>(parts);
            bool found = false;
            while (!found && in) {
                in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                const auto got = static_cast<std::size_t>(in.gcount());
                if (got == 0)
                    break;
                for (std::size_t i = 0; i < got; ++i)
                    if (chunk[i] == '\n') {
                        ++lines;
                        if (position + i + 1 >= target) {
                            bounds.push_back(position + i + 1);
                            firstLines.push_back(lines + 1);
                            found = true;
                            in.clear();
                            in.seekg(static_cast<std::streamoff>(position + i + 1));
                            position += i + 1;
                            break;
                        }
                    }
                if (!found)
                    position += got;
            }
        }
        bounds.push_back(size);
    }
    const std::size_t ranges = bounds.size() - 1;
    std::vector<TraceSet> partsRead(ranges);
    std::vector<char> vllm(ranges, 0);
    bool steppedAside = false;
    try {
        parallelFor(ranges, static_cast<int>(ranges), [&](std::size_t begin, std::size_t end, int) {
            for (std::size_t r = begin; r < end; ++r) {
                bool sawVllm = false;
                readRange(path, bounds[r], bounds[r + 1], firstLines[r], partsRead[r], sawVllm);
                vllm[r] = sawVllm;
            }
        });
    } catch (const StepAside&) {
        steppedAside = true;
    } catch (const simdjson::simdjson_error&) {
        steppedAside = true;
    }
    if (steppedAside)
        return std::nullopt;
    // Merge in line order: each part's token ids move into one vocabulary.
    TraceSet set = std::move(partsRead.front());
    for (std::size_t r = 1; r < ranges; ++r) {
        const Vocabulary& local = partsRead[r].vocabulary;
        std::vector<TokenId> remap(local.size());
        for (TokenId id = 0; id < local.size(); ++id)
            remap[id] = set.vocabulary.intern(local.text(id));
        for (auto& trace : partsRead[r].traces) {
            for (auto& step : trace.steps) {
                step.chosen = remap[step.chosen];
                for (auto& alternative : step.top)
                    alternative.token = remap[alternative.token];
            }
            set.traces.push_back(std::move(trace));
        }
    }
    if (set.traces.empty())
        return std::nullopt;
    set.format = "OpenAI chat completions";
    if (std::find(vllm.begin(), vllm.end(), 1) != vllm.end())
        noteVllmOutput(set);
    return set;
}

} // namespace ls::reasoning
