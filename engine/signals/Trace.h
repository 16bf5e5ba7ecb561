#pragma once
// A generated token sequence with per-step top-k alternatives, as read from an LLM server's
// log-probability output, plus the labels a dataset may carry.
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

namespace ls::reasoning {

// Token strings are interned per trace set: ids make the per-step distribution work cheap.
using TokenId = std::uint32_t;

struct Alternative {
    TokenId token;
    float logprob; // natural log
};

struct Step {
    TokenId chosen;
    float logprob;                  // of the chosen token
    std::vector<Alternative> top;   // as returned, at most k
};

struct Trace {
    std::string id;                 // "line 12" or the response id
    std::vector<Step> steps;
    std::optional<bool> correct;    // from 'correct' or 'label' when present
    std::string answer;
};

class Vocabulary {
public:
    // Looks the text up without copying it; only a new token is copied in.
    TokenId intern(std::string_view token);
    TokenId intern(const std::string& token) { return intern(std::string_view(token)); }
    const std::string& text(TokenId id) const { return texts_[id]; }
    std::size_t size() const { return texts_.size(); }

private:
    std::vector<std::string> texts_;
    struct Hash {
        using is_transparent = void; // find() by string_view, without building a std::string
        std::size_t operator()(std::string_view s) const noexcept;
    };
    std::unordered_map<std::string, TokenId, Hash, std::equal_to<>> ids_;
};

struct TraceSet {
    Vocabulary vocabulary;
    std::vector<Trace> traces;
    std::string format;             // detected input format, for the import report
    std::vector<std::string> notes; // e.g. "probabilities were converted to log-probabilities"
    bool vllmNoted = false;         // the vLLM --logprobs-mode note is in `notes`
};

} // namespace ls::reasoning
