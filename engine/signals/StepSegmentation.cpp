#include "StepSegmentation.h"

#include <algorithm>
#include <cctype>

namespace ls::reasoning {
namespace {

constexpr std::size_t kPreviewLength = 60;

// Text position → token index, so that boundaries found in the text map back to tokens.
struct TokenText {
    std::string text;
    std::vector<std::size_t> starts; // offset of each token in `text`
};

TokenText join(const std::vector<std::string>& tokens)
{
    TokenText joined;
    for (const auto& token : tokens) {
        joined.starts.push_back(joined.text.size());
        joined.text += token;
    }
    return joined;
}

std::size_t tokenAt(const TokenText& joined, std::size_t offset)
{
    const auto it = std::upper_bound(joined.starts.begin(), joined.starts.end(), offset);
    return static_cast<std::size_t>(it - joined.starts.begin()) - 1;
}

// Text offsets where a new step begins (after the first), by one rule.
std::vector<std::size_t> boundaries(const std::string& text, Segmentation rule)
{
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (rule == Segmentation::StepMarkers && (i == 0 || text[i - 1] == '\n')) {
            std::size_t j = i;
            while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '#' || text[j] == '*'))
                ++j;
            if (text.compare(j, 4, "Step") == 0 || text.compare(j, 4, "step") == 0) {
                j += 4;
                while (j < text.size() && text[j] == ' ')
                    ++j;
                if (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])) && i > 0)
                    starts.push_back(i);
            }
        } else if (rule == Segmentation::BlankLines && text[i] == '\n' && i + 1 < text.size() && text[i + 1] == '\n') {
            std::size_t j = i;
            while (j < text.size() && (text[j] == '\n' || text[j] == ' '))
                ++j;
            if (j < text.size())
                starts.push_back(j);
            i = j;
        } else if (rule == Segmentation::Sentences && (text[i] == '.' || text[i] == '?' || text[i] == '!') && i + 1 < text.size() &&
                   std::isspace(static_cast<unsigned char>(text[i + 1]))) {
            std::size_t j = i + 1;
            while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j])))
                ++j;
            if (j < text.size())
                starts.push_back(j);
        }
    }
    return starts;
}

} // namespace

const char* toString(Segmentation segmentation)
{
    switch (segmentation) {
    case Segmentation::Auto: return "auto";
    case Segmentation::StepMarkers: return "step markers";
    case Segmentation::BlankLines: return "blank lines";
    case Segmentation::Sentences: return "sentences";
    }
    return "?";
}

std::vector<TextStep> segmentSteps(const std::vector<std::string>& tokens, const TraceSignals& traceSignals,
                                   Segmentation segmentation, Segmentation* used)
{
    std::vector<TextStep> steps;
    if (tokens.empty())
        return steps;
    const TokenText joined = join(tokens);
    std::vector<std::size_t> starts;
    Segmentation chosen = segmentation;
    if (segmentation == Segmentation::Auto) {
        chosen = Segmentation::Sentences;
        for (Segmentation rule : {Segmentation::StepMarkers, Segmentation::BlankLines, Segmentation::Sentences}) {
            starts = boundaries(joined.text, rule);
            chosen = rule;
            if (!starts.empty())
                break;
        }
    } else {
        starts = boundaries(joined.text, segmentation);
    }
    if (used)
        *used = chosen;

    // Boundaries inside a token move to the token's start; a token belongs to one step only.
    std::vector<std::size_t> firstTokens{0};
    for (std::size_t offset : starts) {
        const std::size_t token = tokenAt(joined, offset);
        if (token > firstTokens.back())
            firstTokens.push_back(token);
    }
    for (std::size_t s = 0; s < firstTokens.size(); ++s) {
        TextStep step;
        step.firstToken = firstTokens[s];
        step.lastToken = s + 1 < firstTokens.size() ? firstTokens[s + 1] - 1 : tokens.size() - 1;
        const double count = static_cast<double>(step.lastToken - step.firstToken + 1);
        for (std::size_t t = step.firstToken; t <= step.lastToken; ++t) {
            step.meanInstability += traceSignals.instability[t] / count;
            step.meanDivergence += traceSignals.divergence[t] / count;
            step.meanEntropy += traceSignals.entropy[t] / count;
            step.maxInstability = std::max<double>(step.maxInstability, traceSignals.instability[t]);
        }
        const std::size_t begin = joined.starts[step.firstToken];
        const std::size_t end = step.lastToken + 1 < joined.starts.size() ? joined.starts[step.lastToken + 1] : joined.text.size();
        std::size_t length = std::min(end - begin, kPreviewLength);
        // Cut on a UTF-8 character boundary: continuation bytes are 10xxxxxx.
        while (length > 0 && length < end - begin && (static_cast<unsigned char>(joined.text[begin + length]) & 0xC0) == 0x80)
            --length;
        step.preview = joined.text.substr(begin, length);
        std::replace(step.preview.begin(), step.preview.end(), '\n', ' ');
        steps.push_back(step);
    }
    return steps;
}

} // namespace ls::reasoning
