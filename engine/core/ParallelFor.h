#pragma once
// Splits [0, count) into contiguous chunks, one per hardware thread, and runs `body(begin, end,
// worker)` on each; `worker` (0 … workers−1) lets callers keep per-thread accumulators instead
// of locking. Exceptions thrown by a chunk are rethrown on the calling thread.
#include "VectorState.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

namespace ls {

inline int parallelWorkers(std::size_t count)
{
    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
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

} // namespace ls
