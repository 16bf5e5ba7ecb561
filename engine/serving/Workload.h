#pragma once
// What each request of a load test asks: a prompt and how many tokens to generate. Lengths are
// fixed, uniform between bounds, or taken from a JSON Lines prompt file.
#include <cstdint>
#include <string>
#include <vector>

namespace ls::serving {

struct RequestSpec {
    std::string prompt;
    int promptWords = 0; // the prompt's length in words (a token count needs the server's tokenizer)
    int maxTokens = 16;  // output tokens asked for
};

enum class LengthRule { Fixed, Uniform };

struct LengthDistribution {
    LengthRule rule = LengthRule::Fixed;
    int low = 64, high = 64; // Fixed uses low
};

// `count` requests with synthetic prompts: words drawn (seeded) from a list of common English
// words, each one token in the usual BPE vocabularies, so a prompt of n words is about n tokens.
std::vector<RequestSpec> syntheticRequests(std::size_t count, LengthDistribution promptWords,
                                           LengthDistribution outputTokens, std::uint64_t seed);

// Requests read from a JSON Lines file, one object a line: {"prompt": "...", "max_tokens": 128}
// ("output_tokens" is accepted for max_tokens; without either, `outputTokens` draws it). Blank
// lines are skipped. The file's requests are used in order and repeated to reach `count`.
// Throws FormatError naming the file and line for anything else.
std::vector<RequestSpec> fileRequests(const std::string& path, std::size_t count, LengthDistribution outputTokens,
                                      std::uint64_t seed);

} // namespace ls::serving
