#include "Workload.h"

#include "engine/core/Error.h"
#include "engine/core/JsonFields.h"

#include <array>
#include <fstream>
#include <random>
#include <sstream>

namespace ls::serving {
namespace {

// Common words that GPT-2, Llama and SmolLM tokenizers keep whole after a space.
constexpr std::array<const char*, 64> kWords{
    "time", "year", "people", "way", "day", "man", "thing", "woman", "life", "child", "world", "school",
    "state", "family", "student", "group", "country", "problem", "hand", "part", "place", "case",
    "week", "company", "system", "program", "question", "work", "number", "night", "point", "home",
    "water", "room", "mother", "area", "money", "story", "fact", "month", "lot", "right", "study",
    "book", "eye", "job", "word", "business", "issue", "side", "kind", "head", "house", "service",
    "friend", "father", "power", "hour", "game", "line", "end", "member", "law", "car"};

constexpr std::size_t kMaxPromptFileBytes = std::size_t{256} << 20;
constexpr int kMaxOutputTokens = 1 << 20;

int draw(const LengthDistribution& lengths, std::mt19937_64& generator)
{
    if (lengths.rule == LengthRule::Fixed || lengths.high <= lengths.low)
        return lengths.low;
    return std::uniform_int_distribution<int>(lengths.low, lengths.high)(generator);
}

std::string syntheticPrompt(int words, std::mt19937_64& generator)
{
    // The request number is not in the text, yet every prompt differs from its first word on, so
    // a server's prefix cache cannot answer one prompt from another.
    std::uniform_int_distribution<std::size_t> pick(0, kWords.size() - 1);
    std::string text;
    for (int w = 0; w < words; ++w) {
        if (w)
            text += ' ';
        text += kWords[pick(generator)];
    }
    return text;
}

int wordCount(const std::string& text)
{
    std::istringstream in(text);
    int count = 0;
    for (std::string word; in >> word;)
        ++count;
    return count;
}

} // namespace

std::vector<RequestSpec> syntheticRequests(std::size_t count, LengthDistribution promptWords,
                                           LengthDistribution outputTokens, std::uint64_t seed)
{
    std::mt19937_64 generator(seed);
    std::vector<RequestSpec> requests(count);
    for (auto& request : requests) {
        request.promptWords = std::max(1, draw(promptWords, generator));
        request.prompt = syntheticPrompt(request.promptWords, generator);
        request.maxTokens = std::max(1, draw(outputTokens, generator));
    }
    return requests;
}

std::vector<RequestSpec> fileRequests(const std::string& path, std::size_t count, LengthDistribution outputTokens,
                                      std::uint64_t seed)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw FileError(path, "cannot open the prompt file");
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::size_t>(in.tellg());
    if (size > kMaxPromptFileBytes)
        throw FormatError(path, "prompt file larger than " + std::to_string(kMaxPromptFileBytes >> 20) + " MiB");
    in.seekg(0);
    std::mt19937_64 generator(seed);
    std::vector<RequestSpec> prompts;
    std::string line;
    for (std::size_t lineNumber = 1; std::getline(in, line); ++lineNumber) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        const std::string where = path + " line " + std::to_string(lineNumber);
        const nlohmann::json item = parseJsonText(line, where);
        if (!item.is_object())
            throw FormatError(where, "expected an object such as {\"prompt\": \"...\", \"max_tokens\": 128}");
        RequestSpec request;
        request.prompt = requiredField<std::string>(item, "prompt", where);
        if (request.prompt.empty())
            throw FormatError(where, "the prompt is empty");
        request.promptWords = wordCount(request.prompt);
        // 0: not given (a given 0 is refused below with the range)
        int asked = optionalField<int>(item, "max_tokens", 0, where);
        if (!item.contains("max_tokens") || item["max_tokens"].is_null())
            asked = optionalField<int>(item, "output_tokens", 0, where);
        const bool given = (item.contains("max_tokens") && !item["max_tokens"].is_null()) ||
                           (item.contains("output_tokens") && !item["output_tokens"].is_null());
        if (given && (asked < 1 || asked > kMaxOutputTokens))
            throw FormatError(where, "max_tokens must be from 1 to " + std::to_string(kMaxOutputTokens));
        request.maxTokens = given ? asked : std::max(1, draw(outputTokens, generator));
        prompts.push_back(std::move(request));
    }
    if (prompts.empty())
        throw FormatError(path, "the prompt file holds no prompts (one JSON object a line: {\"prompt\": \"...\"})");
    std::vector<RequestSpec> requests;
    requests.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        requests.push_back(prompts[i % prompts.size()]);
    return requests;
}

} // namespace ls::serving
