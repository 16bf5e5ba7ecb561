#pragma once
// Records how long each named stage of a run takes, across warm-up and measured repeats.
// Stages nest (a stage opened inside another gets the path "outer/inner"). CPU stages are timed with
// a steady clock; GPU stages are timed by the engine with CUDA events and added with their offsets.
#include "Statistics.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ls {

// Stages nest at most this deep; records read from files with deeper (or negative) depths are refused.
constexpr int kMaxStageDepth = 64;

struct StageSample {
    std::string path;        // "outer/inner"
    int depth = 0;           // number of enclosing stages
    int repeat = 0;          // index among the measured repeats (warm-up repeats are not kept)
    std::string lane = "cpu"; // "cpu", or "gpu" for stages timed with CUDA events
    double startUs = 0;      // since the record started
    double durationUs = 0;

    std::string leafName() const { return path.substr(path.rfind('/') + 1); }
};

struct LatencyRecord {
    std::string engineId;
    std::string device;          // "CPU (…)" or "CUDA:0 NVIDIA H100 …"
    nlohmann::json parameters = nlohmann::json::object();
    std::string startedAt;       // ISO 8601 UTC
    int warmupRepeats = 0;
    int repeats = 0;
    std::vector<double> repeatTotalsUs; // wall time of each measured repeat
    std::vector<StageSample> samples;   // measured repeats only

    std::vector<std::string> stagePaths() const; // in order of first appearance
    std::vector<double> durationsUs(const std::string& path) const;
    SampleStats stageStats(const std::string& path) const;
    SampleStats totalStats() const;
};

class LatencyRecorder {
public:
    using Clock = std::chrono::steady_clock;

    LatencyRecorder();

    // Everything recorded between beginRepeat(true) and endRepeat() is discarded (warm-up).
    void beginRepeat(bool warmup);
    void endRepeat();
    bool inWarmup() const { return warmup_; }

    class [[nodiscard]] Stage {
    public:
        Stage(LatencyRecorder& recorder, std::string name);
        ~Stage();
        Stage(const Stage&) = delete;
        Stage& operator=(const Stage&) = delete;

    private:
        LatencyRecorder& recorder_;
        double startUs_;
    };
    Stage stage(std::string name) { return Stage(*this, std::move(name)); }

    // A stage measured elsewhere (a GPU stage from CUDA events); nested under the open CPU stages.
    void addMeasuredStage(const std::string& name, const std::string& lane, double startUs, double durationUs);

    double nowUs() const;
    LatencyRecord& record() { return record_; }
    LatencyRecord takeRecord() { return std::move(record_); }

private:
    std::string currentPath(const std::string& leaf) const;

    Clock::time_point origin_;
    LatencyRecord record_;
    std::vector<std::string> openStages_;
    bool warmup_ = false;
    int measuredRepeat_ = -1;
    double repeatStartUs_ = 0;
};

std::string currentIsoTimeUtc();

} // namespace ls
