#include "LatencyRecorder.h"

#include "Error.h"

#include <algorithm>
#include <ctime>

namespace ls {

std::vector<std::string> LatencyRecord::stagePaths() const
{
    std::vector<std::string> paths;
    for (const auto& sample : samples)
        if (std::find(paths.begin(), paths.end(), sample.path) == paths.end())
            paths.push_back(sample.path);
    return paths;
}

std::vector<double> LatencyRecord::durationsUs(const std::string& path) const
{
    std::vector<double> durations;
    for (const auto& sample : samples)
        if (sample.path == path)
            durations.push_back(sample.durationUs);
    return durations;
}

SampleStats LatencyRecord::stageStats(const std::string& path) const
{
    return computeStats(durationsUs(path));
}

SampleStats LatencyRecord::totalStats() const
{
    return computeStats(repeatTotalsUs);
}

LatencyRecorder::LatencyRecorder() : origin_(Clock::now())
{
    record_.startedAt = currentIsoTimeUtc();
}

double LatencyRecorder::nowUs() const
{
    return std::chrono::duration<double, std::micro>(Clock::now() - origin_).count();
}

void LatencyRecorder::beginRepeat(bool warmup)
{
    if (!openStages_.empty())
        throw StudioError(ErrorCategory::Engine, "latency recorder: repeat started inside stage '" + openStages_.back() + "'");
    warmup_ = warmup;
    if (warmup)
        ++record_.warmupRepeats;
    else
        measuredRepeat_ = record_.repeats++;
    repeatStartUs_ = nowUs();
}

void LatencyRecorder::endRepeat()
{
    if (!warmup_)
        record_.repeatTotalsUs.push_back(nowUs() - repeatStartUs_);
    warmup_ = false;
}

std::string LatencyRecorder::currentPath(const std::string& leaf) const
{
    std::string path;
    for (const auto& open : openStages_)
        path += open + "/";
    return path + leaf;
}

void LatencyRecorder::addMeasuredStage(const std::string& name, const std::string& lane, double startUs, double durationUs)
{
    if (warmup_)
        return;
    record_.samples.push_back({currentPath(name), static_cast<int>(openStages_.size()), std::max(measuredRepeat_, 0),
                               lane, startUs, durationUs});
}

LatencyRecorder::Stage::Stage(LatencyRecorder& recorder, std::string name) : recorder_(recorder)
{
    if (name.empty() || name.find('/') != std::string::npos)
        throw StudioError(ErrorCategory::Engine, "latency stage names must be non-empty and contain no '/': '" + name + "'");
    recorder_.openStages_.push_back(std::move(name));
    startUs_ = recorder_.nowUs();
}

LatencyRecorder::Stage::~Stage()
{
    const double endUs = recorder_.nowUs();
    const std::string name = std::move(recorder_.openStages_.back());
    recorder_.openStages_.pop_back();
    recorder_.addMeasuredStage(name, "cpu", startUs_, endUs - startUs_);
}

std::string currentIsoTimeUtc()
{
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

} // namespace ls
