// The fast path of importTraceFile for the common large case: JSON Lines of whole OpenAI-style chat
// completions ("object": "chat.completion", one response per line). simdjson's DOM parser (its
// kernels chosen for this CPU at run time) reads each line in place from a block of the file; the file's lines are split between
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

// The DOM API: simdjson picks the best kernels for this CPU at run time (AVX2, SSE4.2 or the
// portable one), while its on-demand API would be fixed at compile time to the baseline target.
namespace dom = simdjson::dom;

struct StepAside {}; // this file is for the general importer

template <class T> T value(simdjson::simdjson_result<T> result)
{
    T out;
    if (std::move(result).get(out))
        throw StepAside{};
    return out;
}

// As logprobValue in TraceImport.cpp: a finite number, at most 0 (a little above is rounding).
float logprobOf(dom::element field)
{
    if (!field.is_number())
        throw StepAside{};
    const double lp = value(field.get_double());
    if (!std::isfinite(lp) || lp > 1e-4)
        throw StepAside{};
    return static_cast<float>(std::min(lp, 0.0));
}

// As labelOf in TraceImport.cpp; absent or null: nothing.
std::optional<bool> labelOf(dom::element field)
{
    switch (field.type()) {
    case dom::element_type::NULL_VALUE: return std::nullopt;
    case dom::element_type::BOOL: return value(field.get_bool());
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return value(field.get_double()) != 0;
    case dom::element_type::STRING: {
        const std::string_view text = value(field.get_string());
        if (text == "correct" || text == "true" || text == "1") return true;
        if (text == "incorrect" || text == "wrong" || text == "false" || text == "0") return false;
        throw StepAside{};
    }
    default: throw StepAside{};
    }
}

TokenId tokenOf(dom::element field, Vocabulary& vocabulary)
{
    if (!field.is_string())
        throw StepAside{};
    return vocabulary.intern(value(field.get_string()));
}

Step stepOf(dom::object entry, Vocabulary& vocabulary)
{
    Step step;
    bool sawToken = false, sawLogprob = false;
    for (const auto field : entry) {
        if (field.key == "token") {
            step.chosen = tokenOf(field.value, vocabulary);
            sawToken = true;
        } else if (field.key == "logprob") {
            step.logprob = logprobOf(field.value);
            sawLogprob = true;
        } else if (field.key == "top_logprobs" && !field.value.is_null()) {
            const dom::array top = value(field.value.get_array());
            step.top.reserve(top.size());
            for (const dom::element alternativeValue : top) {
                const dom::object alternative = value(alternativeValue.get_object());
                std::optional<TokenId> token;
                std::optional<float> lp;
                for (const auto alternativeField : alternative) {
                    if (alternativeField.key == "token")
                        token = tokenOf(alternativeField.value, vocabulary);
                    else if (alternativeField.key == "logprob")
                        lp = logprobOf(alternativeField.value);
                }
                if (!token || !lp)
                    throw StepAside{};
                step.top.push_back({*token, *lp});
            }
        }
    }
    if (!sawToken || !sawLogprob)
        throw StepAside{};
    return step;
}

// One response: {"id", "object": "chat.completion", "choices": [{index, logprobs: {content: [...]}}],
// "correct"/"label", "answer", ...}, in any field order. Its choices become traces as the general
// importer makes them (ids, " choice N" for n > 1, labels, the vLLM note).
void readResponse(dom::element document, std::size_t lineNumber, TraceSet& out, bool& vllm)
{
    const dom::object response = value(document.get_object());
    std::string id, answer;
    std::optional<bool> fromCorrect, fromLabel; // absent or null: nullopt
    bool isChat = false;
    std::map<int, Trace> choices;
    for (const auto field : response) {
        if (field.key == "id") {
            if (field.value.is_string())
                id = std::string(value(field.value.get_string()));
        } else if (field.key == "object") {
            isChat = field.value.is_string() && value(field.value.get_string()) == "chat.completion";
        } else if (field.key == "correct") {
            fromCorrect = labelOf(field.value);
        } else if (field.key == "label") {
            fromLabel = labelOf(field.value);
        } else if (field.key == "answer") {
            if (field.value.is_string())
                answer = std::string(value(field.value.get_string()));
        } else if (field.key == "prompt_logprobs") {
            vllm = true;
        } else if (field.key == "choices") {
            int position = 0;
            for (const dom::element choiceValue : value(field.value.get_array())) {
                const dom::object choice = value(choiceValue.get_object());
                int index = position++;
                Trace trace;
                bool sawLogprobs = false;
                for (const auto choiceField : choice) {
                    if (choiceField.key == "index" && !choiceField.value.is_null()) {
                        if (!choiceField.value.is_int64())
                            throw StepAside{};
                        const std::int64_t given = value(choiceField.value.get_int64());
                        if (given < 0 || given > 1024)
                            throw StepAside{};
                        index = static_cast<int>(given);
                    } else if (choiceField.key == "stop_reason") {
                        vllm = true;
                    } else if (choiceField.key == "logprobs") {
                        const dom::object logprobs = value(choiceField.value.get_object());
                        for (const auto logprobsField : logprobs)
                            if (logprobsField.key == "content" && !logprobsField.value.is_null()) {
                                const dom::array content = value(logprobsField.value.get_array());
                                trace.steps.reserve(content.size());
                                for (const dom::element entry : content)
                                    trace.steps.push_back(stepOf(value(entry.get_object()), out.vocabulary));
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
    dom::parser parser;
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
                // The padding past the line is readable (the rest of the block, then SIMDJSON_PADDING).
                readResponse(value(parser.parse(line.data(), line.size(), false)), lineNumber, out, vllm);
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
