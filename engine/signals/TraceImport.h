#pragma once
// Reads LLM log-probability output into traces. One response per JSON object; a file is either
// JSON Lines (read line by line, so large files stream) or one JSON document (an object or an
// array of objects). Recognised shapes, per object:
// - OpenAI Chat Completions: choices[0].logprobs.content[i].{token, logprob, top_logprobs[{token, logprob}]}
//   (vLLM's OpenAI-compatible server writes the same); streamed chunks ("chat.completion.chunk")
//   are joined by their id.
// - OpenAI legacy Completions: choices[0].logprobs.{tokens, token_logprobs, top_logprobs: [{token: logprob}]}
// - llama.cpp server completion_probabilities: [{content, probs[{tok_str, prob}]}] (older),
//   [{token, logprob, top_logprobs[{token, logprob}]}] (newer), [{token, prob, top_probs[{token, prob}]}]
//   (post-sampling probabilities); streamed chunks are joined until "stop": true.
// - Plain: {"tokens": [...], "top_tokens": [[...]], "top_logprobs": [[...]], "logprobs": [...]}.
// Labels: "correct" (true/false or 1/0) or "label" (the same, or "correct"/"incorrect"); "answer".
// Errors name the file, the line and the field.
#include "Trace.h"

#include <filesystem>
#include <string>

namespace ls::reasoning {

TraceSet importTraceFile(const std::filesystem::path& path);
TraceSet importTraceText(const std::string& text, const std::string& source);

// Live streaming: one chat.completion.chunk (the JSON of one server-sent `data:` event) appends
// its tokens to `trace`. Errors name `source`, the event number and the field; a chunk holding
// {"error": {...}} throws with the server's message.
struct ChatChunk {
    std::size_t stepsAdded = 0;
    std::string finishReason; // "stop", "length", ... on the last chunk with a choice; else empty
    std::string responseId;
};
ChatChunk appendChatCompletionChunk(const std::string& chunkJson, const std::string& source, std::size_t eventNumber,
                                    TraceSet& set, Trace& trace);

} // namespace ls::reasoning
