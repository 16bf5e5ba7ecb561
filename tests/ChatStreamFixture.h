#pragma once
// Random chat-completion streams for tests: steps with top-k alternatives, the chunks and the
// server-sent event stream an OpenAI-compatible server would send for them, and the stream cut
// into pieces at random byte positions as a network would deliver it.
#include <QByteArray>
#include <QList>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace ls::test {

using nlohmann::json;

struct ExpectedStep {
    std::string token;
    float logprob;
    std::vector<std::pair<std::string, float>> top;
};

inline std::vector<ExpectedStep> randomSteps(std::mt19937& rng, int count, int k)
{
    const std::vector<std::string> pieces = {"the", " answer", " is", " 4", "2", ".", "\n\n", "Step", " é", "→", " so", ",", " x",
                                             " =", " because", " wait", " no", " yes", "7", " total"};
    std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
    std::normal_distribution<float> logit(0.0f, 2.0f);
    std::vector<ExpectedStep> steps;
    for (int t = 0; t < count; ++t) {
        ExpectedStep step;
        std::vector<float> logits(k);
        float maxLogit = -1e9f;
        for (auto& l : logits) maxLogit = std::max(maxLogit, l = logit(rng));
        double sum = 1.0; // mass left outside the top-k, so the top-k sums to less than one
        for (float l : logits) sum += std::exp(l - maxLogit);
        std::vector<std::string> used;
        for (int i = 0; i < k; ++i) {
            std::string token;
            do token = pieces[pick(rng)] + (rng() % 3 ? "" : std::to_string(rng() % 10));
            while (std::find(used.begin(), used.end(), token) != used.end());
            used.push_back(token);
            step.top.emplace_back(token, static_cast<float>(logits[i] - maxLogit - std::log(sum)));
        }
        std::sort(step.top.begin(), step.top.end(), [](auto& a, auto& b) { return a.second > b.second; });
        const auto chosen = rng() % k;
        step.token = step.top[chosen].first;
        step.logprob = step.top[chosen].second;
        steps.push_back(std::move(step));
    }
    return steps;
}

inline std::string chunkOf(const ExpectedStep& step)
{
    json top = json::array();
    for (const auto& [token, lp] : step.top)
        top.push_back({{"token", token}, {"logprob", lp}, {"bytes", json::array()}});
    json chunk = {{"id", "chatcmpl-replay"}, {"object", "chat.completion.chunk"}, {"created", 1764000000}, {"model", "replay"},
                  {"choices", json::array({{{"index", 0}, {"delta", {{"content", step.token}}},
                                            {"logprobs", {{"content", json::array({{{"token", step.token}, {"logprob", step.logprob},
                                                                                   {"top_logprobs", top}}})}}},
                                            {"finish_reason", nullptr}}})}};
    return chunk.dump();
}

// The event stream of a whole answer, as OpenAI sends it: a role chunk without log-probabilities,
// one chunk per token, a closing chunk with the finish reason, then [DONE].
inline std::string eventStream(const std::vector<ExpectedStep>& steps, const std::string& malformedAt = {}, std::size_t malformedIndex = -1)
{
    std::string text = R"(data: {"id":"chatcmpl-replay","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})"
                       "\n\n";
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (i == malformedIndex)
            text += "data: " + malformedAt + "\n\n";
        text += "data: " + chunkOf(steps[i]) + "\n\n";
    }
    text += R"(data: {"id":"chatcmpl-replay","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})"
            "\n\n: keep-alive comment\n\ndata: [DONE]\n\n";
    return text;
}

// Cuts the bytes at random places (mid-line, mid-character) as a network would.
inline QList<QByteArray> randomPieces(const std::string& text, std::mt19937& rng)
{
    QList<QByteArray> pieces;
    std::uniform_int_distribution<std::size_t> size(1, 400);
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t n = std::min(size(rng), text.size() - at);
        pieces.push_back(QByteArray(text.data() + at, static_cast<qsizetype>(n)));
        at += n;
    }
    return pieces;
}

} // namespace ls::test
