// latency-studio-gpu-checks: every CUDA path against its CPU twin, and the GPU benchmarks, without
// Qt, for the GPU bundle (scripts/gpu-bundle) that a bare GPU machine runs.
//
//   latency-studio-gpu-checks --device-facts [--json FILE]
//   latency-studio-gpu-checks [--only NAME]... [--small] [--traces FILE] [--json FILE]
//   latency-studio-gpu-checks --bench [--only NAME]... [--quick] [--json FILE]
//   latency-studio-gpu-checks --list        (what each check and benchmark covers)
//   latency-studio-gpu-checks --names       (check name, tab, 1 when its kernels use shared memory)
//
// Exit codes: 0 every check passed (or the facts/benchmarks were written), 1 a check failed or a
// benchmark threw, 2 bad arguments, 3 no CUDA device (the reason is printed and written).
#include "GpuBenchmarks.h"
#include "GpuChecks.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/Device.h"

#include <cuda_runtime.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr int kExitFailed = 1, kExitUsage = 2, kExitNoGpu = 3;

struct Options {
    bool list = false, names = false, facts = false, bench = false, small = false, quick = false;
    std::vector<std::string> only;
    std::string json, traces;
};

int usage(const std::string& problem)
{
    std::fprintf(stderr,
                 "latency-studio-gpu-checks: %s\n"
                 "usage: latency-studio-gpu-checks [--device-facts | --bench | --list | --names] [--only NAME]... [--small] [--quick]\n"
                 "                                 [--traces FILE] [--json FILE]\n",
                 problem.c_str());
    return kExitUsage;
}

void write(const Options& options, const nlohmann::json& document)
{
    const std::string text = document.dump(2) + "\n";
    if (options.json.empty())
        std::fputs(text.c_str(), stdout);
    else
        ls::writeTextAtomically(options.json, text);
}

nlohmann::json deviceFacts(const ls::CudaAvailability& cuda)
{
    nlohmann::json facts{{"cuda_devices", nlohmann::json::array()}, {"built_with_cuda", ls::builtWithCuda()}};
    int runtime = 0, driver = 0;
    cudaRuntimeGetVersion(&runtime);
    cudaDriverGetVersion(&driver);
    facts["cuda_runtime_version"] = runtime;
    facts["cuda_driver_version"] = driver;
    if (cuda.devices.empty())
        facts["no_device_reason"] = cuda.reason;
    for (const ls::DeviceInfo& device : cuda.devices) {
        cudaDeviceProp props{};
        cudaGetDeviceProperties(&props, device.index);
        facts["cuda_devices"].push_back({{"index", device.index},
                                         {"name", device.name},
                                         {"compute_capability", std::to_string(device.computeMajor) + "." + std::to_string(device.computeMinor)},
                                         {"memory_bytes", device.memoryBytes},
                                         {"multiprocessors", props.multiProcessorCount},
                                         {"shared_memory_per_block", props.sharedMemPerBlock},
                                         {"l2_cache_bytes", props.l2CacheSize},
                                         {"memory_bus_bits", props.memoryBusWidth}});
    }
    facts["cpu"] = ls::cpuDevice().describe();
    return facts;
}

bool selected(const Options& options, const std::string& name)
{
    if (options.only.empty())
        return true;
    for (const std::string& wanted : options.only)
        if (wanted == name)
            return true;
    return false;
}

int runChecks(const Options& options, int device)
{
    nlohmann::json results = nlohmann::json::array();
    bool allPassed = true;
    for (const ls::test::GpuCheck& check : ls::test::gpuChecks()) {
        if (!selected(options, check.name))
            continue;
        ls::test::GpuCheckContext context;
        context.device = device;
        context.small = options.small;
        context.traces = options.traces;
        ls::test::CheckOutcome outcome;
        const auto start = std::chrono::steady_clock::now();
        std::string error;
        try {
            check.run(context, outcome);
            if (const cudaError_t status = cudaDeviceSynchronize(); status != cudaSuccess)
                error = std::string("CUDA error after the check: ") + cudaGetErrorString(status);
        } catch (const std::exception& thrown) {
            error = thrown.what();
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const bool passed = error.empty() && outcome.passed();
        allPassed = allPassed && passed;
        std::fprintf(stderr, "%-22s %s  %.1f s  %d comparisons%s%s\n", check.name, passed ? "pass" : "FAIL", seconds, outcome.comparisons(),
                     error.empty() ? "" : "  error: ", error.c_str());
        if (!outcome.passed())
            std::fprintf(stderr, "%s\n", outcome.summary().c_str());
        results.push_back({{"name", check.name},
                           {"covers", check.covers},
                           {"shared_memory", check.sharedMemory},
                           {"passed", passed},
                           {"error", error},
                           {"failures", outcome.failures()},
                           {"notes", outcome.notes()},
                           {"comparisons", outcome.comparisons()},
                           {"worst_error_over_bound", outcome.worstRatio()},
                           {"closest_to_bound", outcome.worst()},
                           {"seconds", seconds}});
        if (!error.empty() && std::strstr(error.c_str(), "CUDA error"))
            break; // a sticky CUDA error poisons the context: later checks would fail for this one's fault
    }
    if (results.empty())
        return usage("no check matches --only");
    write(options, {{"small", options.small}, {"checks", results}});
    return allPassed ? 0 : kExitFailed;
}

int runBenchmarks(const Options& options, int device)
{
    nlohmann::json results = nlohmann::json::object();
    bool allRan = true;
    for (const ls::test::GpuBenchmark& benchmark : ls::test::gpuBenchmarks()) {
        if (!selected(options, benchmark.name))
            continue;
        const auto start = std::chrono::steady_clock::now();
        try {
            results[benchmark.name] = benchmark.run(device, options.quick);
            results[benchmark.name]["what"] = benchmark.what;
        } catch (const std::exception& thrown) {
            allRan = false;
            results[benchmark.name] = {{"what", benchmark.what}, {"error", thrown.what()}};
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        results[benchmark.name]["seconds"] = seconds;
        std::fprintf(stderr, "%-22s %.1f s%s\n", benchmark.name, seconds, results[benchmark.name].contains("error") ? "  error" : "");
        write(options, {{"quick", options.quick}, {"benchmarks", results}}); // after each, so a time-out keeps what finished
    }
    if (results.empty())
        return usage("no benchmark matches --only");
    return allRan ? 0 : kExitFailed;
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::invalid_argument(argument + " needs a value");
            return argv[++i];
        };
        try {
            if (argument == "--list")
                options.list = true;
            else if (argument == "--names")
                options.names = true;
            else if (argument == "--device-facts")
                options.facts = true;
            else if (argument == "--bench")
                options.bench = true;
            else if (argument == "--small")
                options.small = true;
            else if (argument == "--quick")
                options.quick = true;
            else if (argument == "--only")
                options.only.push_back(value());
            else if (argument == "--json")
                options.json = value();
            else if (argument == "--traces")
                options.traces = value();
            else
                return usage("unknown argument " + argument);
        } catch (const std::invalid_argument& error) {
            return usage(error.what());
        }
    }
    if (options.names) {
        for (const auto& check : ls::test::gpuChecks())
            std::printf("%s\t%d\n", check.name, check.sharedMemory ? 1 : 0);
        return 0;
    }
    if (options.list) {
        for (const auto& check : ls::test::gpuChecks())
            std::printf("check %s%s: %s\n", check.name, check.sharedMemory ? " (shared memory)" : "", check.covers);
        for (const auto& benchmark : ls::test::gpuBenchmarks())
            std::printf("bench %s: %s\n", benchmark.name, benchmark.what);
        return 0;
    }
    try {
        const ls::CudaAvailability cuda = ls::enumerateCudaDevices();
        if (options.facts) {
            write(options, deviceFacts(cuda));
            if (cuda.devices.empty())
                std::fprintf(stderr, "latency-studio-gpu-checks: no CUDA device: %s\n", cuda.reason.c_str());
            return cuda.devices.empty() ? kExitNoGpu : 0;
        }
        if (cuda.devices.empty()) {
            std::fprintf(stderr, "latency-studio-gpu-checks: no CUDA device: %s\n", cuda.reason.c_str());
            return kExitNoGpu;
        }
        const int device = cuda.devices.front().index;
        return options.bench ? runBenchmarks(options, device) : runChecks(options, device);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "latency-studio-gpu-checks: %s\n", error.what());
        return kExitFailed;
    }
}
