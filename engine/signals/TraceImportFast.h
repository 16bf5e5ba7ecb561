#pragma once
// The fast path of importTraceFile (TraceImportFast.cpp): JSON Lines of whole chat completions,
// parsed with simdjson on `threads` threads. Returns nothing when the file is not exactly that
// shape or has any problem; the general importer then reads it (and names the problem).
#include "Trace.h"

#include <filesystem>
#include <optional>

namespace ls::reasoning {

std::optional<TraceSet> importChatCompletionsJsonlFast(const std::filesystem::path& path, int threads);

// Adds the note on vLLM's --logprobs-mode to `set` once (both importers use it).
void noteVllmOutput(TraceSet& set);

} // namespace ls::reasoning
