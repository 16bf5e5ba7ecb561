#pragma once
// Shared by the suites: fresh random inputs every run (the seed is printed, so a failure can be
// replayed with LATENCY_STUDIO_TEST_SEED=<seed>), and paths into the build tree.
#include <QtGlobal>
#include <QtTest>
#include <cstdint>
#include <random>

namespace ls::test {

inline std::mt19937_64& rng()
{
    static std::mt19937_64 engine = [] {
        const QByteArray fixed = qgetenv("LATENCY_STUDIO_TEST_SEED");
        const std::uint64_t seed = fixed.isEmpty() ? std::random_device{}() : fixed.toULongLong();
        qInfo("random seed: %llu (replay with LATENCY_STUDIO_TEST_SEED)", static_cast<unsigned long long>(seed));
        return std::mt19937_64(seed);
    }();
    return engine;
}

inline float uniform(float low, float high)
{
    return std::uniform_real_distribution<float>(low, high)(rng());
}

inline std::int64_t uniformInt(std::int64_t low, std::int64_t high)
{
    return std::uniform_int_distribution<std::int64_t>(low, high)(rng());
}

} // namespace ls::test
