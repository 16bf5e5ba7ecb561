#include "ConfidenceWeighting.h"

#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"
#include "engine/core/XavierUniform.h"

#include <cmath>

namespace ls::rf {

std::vector<std::pair<std::string, std::vector<float>*>> ConfidenceNetwork::parameterArrays()
{
    return {{"w1", &w1}, {"b1", &b1}, {"w2", &w2}, {"b2", &b2}};
}

std::vector<std::pair<std::string, const std::vector<float>*>> ConfidenceNetwork::parameterArrays() const
{
    return {{"w1", &w1}, {"b1", &b1}, {"w2", &w2}, {"b2", &b2}};
}

ConfidenceNetwork ConfidenceNetwork::zerosLike() const
{
    ConfidenceNetwork zeros;
    zeros.hidden = hidden;
    zeros.w1.assign(w1.size(), 0);
    zeros.b1.assign(b1.size(), 0);
    zeros.w2.assign(w2.size(), 0);
    zeros.b2.assign(b2.size(), 0);
    return zeros;
}

ConfidenceNetwork initialConfidenceNetwork(int hidden, std::uint64_t seed)
{
    if (hidden < 1 || hidden > 1024)
        throw ArgumentError("confidence: " + std::to_string(hidden) + " hidden units; 1 … 1024");
    ConfidenceNetwork network;
    network.hidden = hidden;
    // Xavier uniform, as the reference's torch.nn.init.xavier_uniform_.
    const std::uint64_t drawSeed = rng::mix64(seed ^ 0xc0f1de7ceull); // apart from the emission MLPs' draws
    network.w1 = rng::xavierUniform(hidden, 3, drawSeed, 1);
    network.w2 = rng::xavierUniform(1, hidden, drawSeed, 2);
    network.b1.assign(static_cast<std::size_t>(hidden), 0);
    network.b2.assign(1, 0);
    return network;
}

namespace {

struct Forward {
    std::vector<double> hidden; // after the ReLU
    double raw = 0;
};

Forward forward(const ConfidenceNetwork& network, const std::array<double, 3>& receiver)
{
    if (!network.enabled() || network.w1.size() != static_cast<std::size_t>(network.hidden) * 3 || network.b1.size() != network.w2.size()
        || network.w2.size() != static_cast<std::size_t>(network.hidden) || network.b2.size() != 1)
        throw ArgumentError("confidence: the network's arrays do not match its " + std::to_string(network.hidden) + " hidden units");
    Forward result;
    result.hidden.resize(static_cast<std::size_t>(network.hidden));
    result.raw = network.b2[0];
    for (int j = 0; j < network.hidden; ++j) {
        double pre = network.b1[j];
        for (int k = 0; k < 3; ++k)
            pre += static_cast<double>(network.w1[j * 3 + k]) * receiver[k];
        result.hidden[j] = pre > 0 ? pre : 0;
        result.raw += static_cast<double>(network.w2[j]) * result.hidden[j];
    }
    return result;
}

} // namespace

double confidenceAt(const ConfidenceNetwork& network, const std::array<double, 3>& receiver)
{
    return 1 + std::exp(forward(network, receiver).raw);
}

ConfidenceStep confidenceStep(const ConfidenceNetwork& network, const std::array<double, 3>& receiver, double loss, double alpha)
{
    const Forward ahead = forward(network, receiver);
    const double exponential = std::exp(ahead.raw);
    ConfidenceStep step;
    step.confidence = 1 + exponential;
    step.weightedLoss = step.confidence * loss - alpha * std::log(step.confidence);
    // d/dC (C·L − α·log C) = L − α / C, and dC/draw = exp(raw).
    const double dRaw = (loss - alpha / step.confidence) * exponential;
    step.gradient = network.zerosLike();
    step.gradient.b2[0] = static_cast<float>(dRaw);
    for (int j = 0; j < network.hidden; ++j) {
        step.gradient.w2[j] = static_cast<float>(dRaw * ahead.hidden[j]);
        if (ahead.hidden[j] <= 0)
            continue; // the ReLU passes nothing back where it was off
        const double dPre = dRaw * network.w2[j];
        step.gradient.b1[j] = static_cast<float>(dPre);
        for (int k = 0; k < 3; ++k)
            step.gradient.w1[j * 3 + k] = static_cast<float>(dPre * receiver[k]);
    }
    return step;
}

} // namespace ls::rf
