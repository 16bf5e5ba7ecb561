#pragma once
// The GPU benchmarks of the bundle: each CUDA path timed with CUDA events (medians over repeats)
// beside its CPU twin on the same input, all cores, in the same run.
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ls::test {

struct GpuBenchmark {
    const char* name;
    const char* what;
    // Runs the benchmark on `device`; `quick` shrinks repeats (a smoke run). Returns a JSON object:
    // gpu_ms / cpu_ms (median, min, repeats), speedup = cpu median / gpu median, and details.
    std::function<nlohmann::json(int device, bool quick)> run;
};

const std::vector<GpuBenchmark>& gpuBenchmarks();

} // namespace ls::test
