#pragma once
// Runs the registered Google Benchmarks and prints, after the usual table, the ratio of each
// benchmark to its baseline measured in the same run. Pairs are named "<family>/<arg>" and
// "<baseline family>/<arg>"; a ratio above 1 means faster than the baseline.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ls::bench {

class RatioReporter : public benchmark::ConsoleReporter {
    // "X/20/real_time", "X/20/manual_time" (kernel time from CUDA events) and "X/20/min_time:3.000/real_time"
    // pair as "X/20".
    static std::string withoutTimeSuffix(std::string name)
    {
        for (const std::string suffix : {"/real_time", "/manual_time"})
            if (name.size() > suffix.size() && name.ends_with(suffix))
                name.resize(name.size() - suffix.size());
        for (const char* part : {"/min_time:", "/repeats:"})
            if (const auto at = name.find(part); at != std::string::npos) {
                const auto next = name.find('/', at + 1); // npos: it was the last part
                name.erase(at, next == std::string::npos ? std::string::npos : next - at);
            }
        return name;
    }

public:
    void ReportRuns(const std::vector<Run>& runs) override
    {
        ConsoleReporter::ReportRuns(runs);
        // With ->Repetitions(n), each repetition reports under the same name: the ratio uses their
        // median, so one disturbed repetition does not move it.
        for (const auto& run : runs)
            if (!run.error_occurred && run.run_type == Run::RT_Iteration) {
                auto& samples = repetitions_[withoutTimeSuffix(run.benchmark_name())];
                samples.push_back(run.GetAdjustedRealTime());
                std::vector<double> sorted = samples;
                std::sort(sorted.begin(), sorted.end());
                const std::size_t n = sorted.size();
                seconds_[withoutTimeSuffix(run.benchmark_name())] = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
            }
    }
    // Prints "candidate vs baseline at <arg>: N.NN× faster" for every arg present in both.
    void printRatios(const std::string& candidate, const std::string& baseline) const
    {
        for (const auto& [name, time] : seconds_) {
            if (name.rfind(candidate + "/", 0) != 0)
                continue;
            const std::string arg = name.substr(candidate.size());
            const auto found = seconds_.find(baseline + arg);
            if (found != seconds_.end())
                std::printf("ratio %-28s vs %-28s at %-10s %8.2fx %s\n", candidate.c_str(), baseline.c_str(), arg.c_str() + 1,
                            found->second / time, found->second >= time ? "faster" : "slower");
        }
    }

    // Seconds per iteration of one benchmark ("Family/arg"), 0 when it did not run.
    double seconds(const std::string& name) const
    {
        const auto found = seconds_.find(name);
        return found == seconds_.end() ? 0.0 : found->second;
    }

private:
    std::map<std::string, double> seconds_;
    std::map<std::string, std::vector<double>> repetitions_;
};

} // namespace ls::bench
