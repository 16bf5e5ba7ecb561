#pragma once
// The GPU path's per-step math, one call per step: compiled into the CUDA kernels (SignalsCuda.cu)
// and callable on the host, so a test without a GPU can run the kernels' bodies against the CPU
// reference (computeSignals) too. Arrays are the flattened (CSR) steps of all traces.
#include "SignalsCuda.h"
#include "engine/core/HostDevice.h"

#include <cstdint>
#include <limits>
#include <math.h> // exp, log, logf, fmax: the same global names on the host and in device code

namespace ls::reasoning::gpu {

constexpr std::uint32_t kTailToken = std::numeric_limits<std::uint32_t>::max(); // as on the CPU
constexpr double kLn2 = 0.69314718055994530942;

// Inputs, flattened: step s has alternatives [altStart[s], altStart[s+1]).
struct StepInputs {
    const std::uint32_t* altToken; // [A]
    const float* altLogprob;       // [A]
    const std::uint64_t* altStart; // [S + 1]
    const std::uint32_t* chosen;   // [S] used when a step returned no alternatives
    const float* chosenLogprob;    // [S]
};

// Distributions: step s owns slots [outStart[s], outStart[s+1]) and fills outCount[s] of them.
struct StepDistributions {
    std::uint32_t* token;      // [O]
    double* probability;       // [O]
    double* logProbability;    // [O]
    const std::uint64_t* outStart; // [S + 1]
    int* outCount;             // [S]
};

struct StepSettings {
    int topK;
    bool tailBucket;
    double scale; // 1 for nats, 1/ln 2 for bits
};

// p̃_t as StepDistribution::build makes it: the k most likely alternatives (all when k = 0), a token
// listed twice merged into one outcome, renormalised; optionally the tail "other" outcome.
LS_HOST_DEVICE void buildStepDistribution(const StepInputs& in, const StepDistributions& out, const StepSettings& settings,
                                          std::size_t s, float* entropy) // [S]
{
    std::uint32_t token[kMaxGpuAlternatives];
    float logprob[kMaxGpuAlternatives];
    int n = static_cast<int>(in.altStart[s + 1] - in.altStart[s]);
    if (n == 0) {
        token[0] = in.chosen[s];
        logprob[0] = in.chosenLogprob[s];
        n = 1;
    } else {
        for (int i = 0; i < n; ++i) {
            token[i] = in.altToken[in.altStart[s] + i];
            logprob[i] = in.altLogprob[in.altStart[s] + i];
        }
    }
    if (settings.topK > 0 && n > settings.topK) { // partial selection of the k largest
        for (int i = 0; i < settings.topK; ++i) {
            int best = i;
            for (int j = i + 1; j < n; ++j)
                best = logprob[j] > logprob[best] ? j : best;
            const std::uint32_t t = token[i];
            const float l = logprob[i];
            token[i] = token[best], logprob[i] = logprob[best];
            token[best] = t, logprob[best] = l;
        }
        n = settings.topK;
    }
    std::uint32_t* outToken = out.token + out.outStart[s];
    double* p = out.probability + out.outStart[s];
    double* lp = out.logProbability + out.outStart[s];
    int count = 0;
    double total = 0;
    for (int i = 0; i < n; ++i) {
        const double weight = exp(static_cast<double>(logprob[i]));
        total += weight;
        int found = -1;
        for (int j = 0; j < count && found < 0; ++j)
            found = outToken[j] == token[i] ? j : -1;
        if (found >= 0) {
            p[found] += weight;
            lp[found] = log(p[found]);
        } else {
            outToken[count] = token[i];
            p[count] = weight;
            lp[count] = logprob[i];
            ++count;
        }
    }
    double tail = 0;
    if (settings.tailBucket) {
        tail = fmax(0.0, 1.0 - total);
        total = fmax(total, 1.0);
    }
    const double logTotal = logf(static_cast<float>(total)), inverseTotal = 1.0 / total;
    double h = 0;
    for (int i = 0; i < count; ++i) {
        p[i] *= inverseTotal;
        lp[i] -= logTotal;
    }
    if (tail > 0) {
        outToken[count] = kTailToken;
        p[count] = tail * inverseTotal;
        lp[count] = log(tail * inverseTotal);
        ++count;
    }
    for (int i = 0; i < count; ++i)
        if (p[i] > 0)
            h -= p[i] * lp[i];
    out.outCount[s] = count;
    entropy[s] = static_cast<float>(h * settings.scale);
}

// D_t: ln 2 less, for each token both steps hold, the difference between its two one-sided terms of
// H(M) and its shared one (jensenShannonNats on the CPU).
LS_HOST_DEVICE void stepDivergence(const StepDistributions& dist, const std::uint8_t* firstOfTrace, // [S]
                                   double scale, std::size_t s, float* divergence)                 // [S]
{
    if (firstOfTrace[s]) {
        divergence[s] = 0.0f;
        return;
    }
    const std::uint64_t a = dist.outStart[s - 1], b = dist.outStart[s];
    const int na = dist.outCount[s - 1], nb = dist.outCount[s];
    double d = kLn2;
    for (int j = 0; j < nb; ++j) {
        const double q = dist.probability[b + j];
        if (q <= 0)
            continue;
        for (int i = 0; i < na; ++i) {
            if (dist.token[a + i] != dist.token[b + j])
                continue;
            const double p = dist.probability[a + i];
            if (p > 0) {
                const double m = 0.5 * (p + q);
                const double oneSided = -0.5 * p * (dist.logProbability[a + i] - kLn2) - 0.5 * q * (dist.logProbability[b + j] - kLn2);
                d -= oneSided + m * logf(static_cast<float>(m));
            }
            break;
        }
    }
    divergence[s] = static_cast<float>(fmax(0.0, d) * scale);
}

inline StepSettings stepSettingsOf(const SignalSettings& settings)
{
    return {settings.topK, settings.tailBucket, settings.base == LogBase::Two ? 1.0 / log(2.0) : 1.0};
}

} // namespace ls::reasoning::gpu
