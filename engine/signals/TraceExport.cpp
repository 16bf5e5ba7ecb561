#include "TraceExport.h"

#include "engine/core/AtomicFile.h"

namespace ls::reasoning {

using nlohmann::json;

json chatCompletionOf(const Trace& trace, const Vocabulary& vocabulary, const json& extra)
{
    std::string text;
    json content = json::array();
    for (const auto& step : trace.steps) {
        const std::string& token = vocabulary.text(step.chosen);
        text += token;
        json top = json::array();
        for (const auto& alternative : step.top)
            top.push_back({{"token", vocabulary.text(alternative.token)}, {"logprob", alternative.logprob}});
        content.push_back({{"token", token}, {"logprob", step.logprob}, {"top_logprobs", std::move(top)}});
    }
    json response = {
        {"id", trace.id},
        {"object", "chat.completion"},
        {"choices", json::array({{{"index", 0},
                                  {"message", {{"role", "assistant"}, {"content", text}}},
                                  {"logprobs", {{"content", std::move(content)}}}}})},
    };
    if (trace.correct)
        response["correct"] = *trace.correct;
    if (!trace.answer.empty())
        response["answer"] = trace.answer;
    if (extra.is_object())
        for (const auto& [key, value] : extra.items())
            response[key] = value;
    return response;
}

void writeChatCompletionsJsonl(const std::filesystem::path& path, const TraceSet& set, const json& extra)
{
    std::string lines;
    for (const auto& trace : set.traces) {
        // Replacement for invalid UTF-8: a token cut mid-character by the server must not stop the save.
        lines += chatCompletionOf(trace, set.vocabulary, extra).dump(-1, ' ', false, json::error_handler_t::replace);
        lines += '\n';
    }
    writeTextAtomically(path, lines);
}

} // namespace ls::reasoning
