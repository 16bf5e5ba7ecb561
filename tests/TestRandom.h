#pragma once
// Fresh random inputs every run, Qt-free: shared by the Qt Test suites (through TestSupport.h) and
// the GPU check runner (tests/gpu). The seed is printed, so a failure can be replayed with
// LATENCY_STUDIO_TEST_SEED=<seed>.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace ls::test {

inline std::uint64_t chosenSeed()
{
    const char* fixed = std::getenv("LATENCY_STUDIO_TEST_SEED");
    return fixed && *fixed ? std::stoull(fixed) : std::random_device{}();
}

inline std::mt19937_64& rng()
{
    static std::mt19937_64 engine = [] {
        const std::uint64_t seed = chosenSeed();
        std::fprintf(stderr, "random seed: %llu (replay with LATENCY_STUDIO_TEST_SEED)\n", static_cast<unsigned long long>(seed));
        return std::mt19937_64(seed);
    }();
    return engine;
}

inline float uniform(float low, float high) { return std::uniform_real_distribution<float>(low, high)(rng()); }

inline std::int64_t uniformInt(std::int64_t low, std::int64_t high) { return std::uniform_int_distribution<std::int64_t>(low, high)(rng()); }

} // namespace ls::test
