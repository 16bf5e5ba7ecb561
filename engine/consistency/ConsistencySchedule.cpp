#include "ConsistencySchedule.h"

#include "engine/core/Error.h"

#include <cmath>
#include <numeric>

namespace ls::consistency {

std::vector<double> karrasSigmas(int steps, const Edm& edm)
{
    if (steps < 2)
        throw ArgumentError("a Karras schedule needs at least 2 steps, not " + std::to_string(steps));
    const double low = std::pow(edm.sigmaMin, 1.0 / edm.rho), high = std::pow(edm.sigmaMax, 1.0 / edm.rho);
    std::vector<double> sigmas(static_cast<std::size_t>(steps));
    for (int i = 0; i < steps; ++i)
        sigmas[i] = std::pow(low + static_cast<double>(i) / (steps - 1) * (high - low), edm.rho);
    sigmas.front() = edm.sigmaMin; // exact ends, whatever pow's rounding
    sigmas.back() = edm.sigmaMax;
    return sigmas;
}

double cSkip(double sigma, const Edm& edm)
{
    const double shifted = sigma - edm.sigmaMin;
    return edm.sigmaData * edm.sigmaData / (shifted * shifted + edm.sigmaData * edm.sigmaData);
}

double cOut(double sigma, const Edm& edm)
{
    return edm.sigmaData * (sigma - edm.sigmaMin) / std::sqrt(edm.sigmaData * edm.sigmaData + sigma * sigma);
}

double cIn(double sigma, const Edm& edm)
{
    return 1.0 / std::sqrt(sigma * sigma + edm.sigmaData * edm.sigmaData);
}

double cNoise(double sigma)
{
    return 250.0 * std::log(sigma);
}

int curriculumSteps(std::int64_t iteration, std::int64_t totalIterations, int s0, int s1)
{
    const int stages = static_cast<int>(std::floor(std::log2(static_cast<double>(s1) / s0))) + 1;
    const std::int64_t perStage = std::max<std::int64_t>(1, totalIterations / stages);
    const std::int64_t stage = std::min<std::int64_t>(iteration / perStage, stages); // past the last stage: capped at s1
    const std::int64_t steps = std::min<std::int64_t>(static_cast<std::int64_t>(s0) << stage, s1);
    return static_cast<int>(steps) + 1;
}

std::vector<double> lognormalIndexProbabilities(std::span<const double> sigmas, double mean, double std)
{
    if (sigmas.size() < 2)
        throw ArgumentError("index probabilities need at least two noise levels");
    std::vector<double> p(sigmas.size() - 1);
    const double scale = 1.0 / (std::sqrt(2.0) * std);
    for (std::size_t i = 0; i + 1 < sigmas.size(); ++i)
        p[i] = std::erf((std::log(sigmas[i + 1]) - mean) * scale) - std::erf((std::log(sigmas[i]) - mean) * scale);
    const double total = std::accumulate(p.begin(), p.end(), 0.0);
    for (auto& value : p)
        value /= total;
    return p;
}

double pairWeight(double sigma, double nextSigma)
{
    return 1.0 / (nextSigma - sigma);
}

double pseudoHuberLoss(std::span<const float> difference, double c)
{
    double squares = 0;
    for (float d : difference)
        squares += static_cast<double>(d) * d;
    return std::sqrt(squares + c * c) - c;
}

double cauchyLoss(std::span<const float> difference, double c)
{
    double squares = 0;
    for (float d : difference)
        squares += static_cast<double>(d) * d;
    const double meanSquare = difference.empty() ? 0.0 : squares / static_cast<double>(difference.size());
    return std::log1p(meanSquare / (2.0 * c * c));
}

double adaptiveC(int steps)
{
    return std::exp(-1.15 * std::log(static_cast<double>(steps - 1)) - 0.85);
}

double ictPseudoHuberC(int dimensions)
{
    return 0.00054 * std::sqrt(static_cast<double>(dimensions));
}

double diffusionWeight(double sigma, const Edm& edm)
{
    return 1.0 / (sigma * sigma) + 1.0 / (edm.sigmaData * edm.sigmaData);
}

} // namespace ls::consistency
