#pragma once
// Splits [0, count) into contiguous chunks, one per hardware thread, and runs `body(begin, end,
// worker)` on each; `worker` (0 … workers−1) lets callers keep per-thread accumulators instead
// of locking. Exceptions thrown by a chunk are rethrown on the calling thread.
#include "Error.h"
#include "VectorState.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace ls {

// LATENCY_STUDIO_THREADS=N caps the workers (benchmarks compare at equal thread counts); anything
// but a whole number ≥ 1 is refused, not ignored.
inline int parallelWorkers(std::size_t count)
{
    unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    if (const char* cap = std::getenv("LATENCY_STUDIO_THREADS"); cap && *cap) {
        char* end = nullptr;
        const long threads = std::strtol(cap, &end, 10);
        if (*end != '\0' || threads < 1)
            throw ArgumentError(std::string("LATENCY_STUDIO_THREADS is '") + cap + "'; give a whole number of threads, at least 1");
        hardware = std::min(hardware, static_cast<unsigned>(std::min<long>(threads, 1 << 16)));
    }
    return static_cast<int>(std::min<std::size_t>(hardware, std::max<std::size_t>(count, 1)));
}

template <class Body> void parallelFor(std::size_t count, int workers, Body&& body)
{
    if (workers <= 1 || count <= 1) {
        body(std::size_t{0}, count, 0);
        return;
    }
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> failures(workers);
    const std::size_t chunk = (count + workers - 1) / workers;
    for (int worker = 0; worker < workers; ++worker) {
        const std::size_t begin = std::min(count, worker * chunk), end = std::min(count, begin + chunk);
        threads.emplace_back([&, begin, end, worker] {
            clearUpperVectorState(); // a new thread inherits its creator's AVX state: VectorState.h
            try {
                body(begin, end, worker);
            } catch (...) {
                failures[worker] = std::current_exception();
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    for (auto& failure : failures)
        if (failure)
            std::rethrow_exception(failure);
}

// Like parallelFor, but worker w takes items w, w + workers, w + 2·workers, …, calling
// `body(item, worker)`. For items whose costs cluster (a map's tiles, where the scene fills a few
// rows), every worker gets its share of each cluster, where contiguous chunks would leave one idle.
// Deterministic like parallelFor: which worker takes an item depends only on `workers`.
template <class Body> void parallelForStrided(std::size_t count, int workers, Body&& body)
{
    workers = static_cast<int>(std::clamp<std::size_t>(count, 1, static_cast<std::size_t>(std::max(workers, 1))));
    parallelFor(static_cast<std::size_t>(workers), workers, [&](std::size_t begin, std::size_t end, int) {
        for (std::size_t first = begin; first < end; ++first)
            for (std::size_t item = first; item < count; item += static_cast<std::size_t>(workers))
                body(item, static_cast<int>(first));
    });
}

} // namespace ls
