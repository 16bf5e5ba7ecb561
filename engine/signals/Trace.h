#pragma once
// A generated token sequence with per-step top-k alternatives, as read from an LLM server's
// log-probability output, plus the labels a dataset may carry.
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <string>
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
    TokenId intern(const std::string& token);
    const std::string& text(TokenId id) const { return texts_[id]; }
    std::size_t size() const { return texts_.size(); }

private:
    std::vector<std::string> texts_;
    struct Hash {
        std::size_t operator()(const std::string& s) const noexcept;
    };
    // Open addressing would be faster; unordered_map is plenty for import speed.
    std::unordered_map<std::string, TokenId, Hash> ids_;
};

struct TraceSet {
    Vocabulary vocabulary;
    std::vector<Trace> traces;
    std::string format;             // detected input format, for the import report
    std::vector<std::string> notes; // e.g. "probabilities were converted to log-probabilities"
    bool vllmNoted = false;         // the vLLM --logprobs-mode note is in `notes`
};

} // namespace ls::reasoning
