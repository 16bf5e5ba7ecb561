#pragma once
// Writes traces in the OpenAI Chat Completions shape (one response per JSON line) that
// importTraceFile() reads back, so a trace streamed live is a file like any other.
#include "Trace.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace ls::reasoning {

// One chat.completion object: choices[0].message.content is the joined text,
// choices[0].logprobs.content[i] the tokens with their top_logprobs. `extra` members (model,
// prompt, finish_reason, ...) are merged in at the top level.
nlohmann::json chatCompletionOf(const Trace& trace, const Vocabulary& vocabulary, const nlohmann::json& extra = {});

// Writes the traces as JSON Lines, atomically.
void writeChatCompletionsJsonl(const std::filesystem::path& path, const TraceSet& set, const nlohmann::json& extra = {});

} // namespace ls::reasoning
