#include "LatencyExport.h"

#include "Csv.h"
#include "Error.h"
#include "JsonFields.h"

#include <cstdio>
#include <map>

namespace ls {
namespace {

std::string number(double value)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.3f", value);
    return text;
}

} // namespace

nlohmann::json statsToJson(const SampleStats& stats)
{
    return {{"count", stats.count}, {"meanUs", stats.mean},   {"medianUs", stats.median}, {"stddevUs", stats.stddev},
            {"cv", stats.cv},       {"minUs", stats.min},     {"maxUs", stats.max},       {"p25Us", stats.p25},       {"p75Us", stats.p75},
            {"p90Us", stats.p90},   {"p99Us", stats.p99},     {"p999Us", stats.p999}};
}

nlohmann::json latencyToJson(const LatencyRecord& record)
{
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& s : record.samples)
        samples.push_back({{"path", s.path}, {"depth", s.depth}, {"repeat", s.repeat}, {"lane", s.lane},
                           {"startUs", s.startUs}, {"durationUs", s.durationUs}});
    nlohmann::json stages = nlohmann::json::object();
    for (const auto& path : record.stagePaths())
        stages[path] = statsToJson(record.stageStats(path));
    return {{"engine", record.engineId},
            {"device", record.device},
            {"parameters", record.parameters},
            {"startedAt", record.startedAt},
            {"warmupRepeats", record.warmupRepeats},
            {"repeats", record.repeats},
            {"repeatTotalsUs", record.repeatTotalsUs},
            {"total", statsToJson(record.totalStats())},
            {"stages", stages},
            {"samples", samples}};
}

LatencyRecord latencyFromJson(const nlohmann::json& json, const std::string& source)
{
    if (!json.is_object())
        throw FormatError(source, "latency record must be a JSON object");
    LatencyRecord record;
    record.engineId = requiredField<std::string>(json, "engine", source);
    record.device = requiredField<std::string>(json, "device", source);
    record.parameters = optionalField<nlohmann::json>(json, "parameters", nlohmann::json::object(), source);
    record.startedAt = requiredField<std::string>(json, "startedAt", source);
    record.warmupRepeats = requiredField<int>(json, "warmupRepeats", source);
    record.repeats = requiredField<int>(json, "repeats", source);
    record.repeatTotalsUs = requiredField<std::vector<double>>(json, "repeatTotalsUs", source);
    const auto samples = requiredField<nlohmann::json>(json, "samples", source);
    if (!samples.is_array())
        throw FormatError(source, "latency record field 'samples' must be an array");
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const std::string where = source + " samples[" + std::to_string(i) + "]";
        const auto& s = samples[i];
        StageSample sample{requiredField<std::string>(s, "path", where), requiredField<int>(s, "depth", where),
                           requiredField<int>(s, "repeat", where), requiredField<std::string>(s, "lane", where),
                           requiredField<double>(s, "startUs", where), requiredField<double>(s, "durationUs", where)};
        // Views index rows by depth and repeats by number: out-of-range values are refused here.
        if (sample.depth < 0 || sample.depth > kMaxStageDepth)
            throw FormatError(where, "field 'depth' is " + std::to_string(sample.depth) + "; expected 0 to " + std::to_string(kMaxStageDepth));
        if (sample.repeat < 0)
            throw FormatError(where, "field 'repeat' is negative");
        if (sample.durationUs < 0)
            throw FormatError(where, "field 'durationUs' is negative");
        record.samples.push_back(std::move(sample));
    }
    return record;
}

namespace {

// "cpu" and "gpu" are the engine's own threads; other lanes (a serving benchmark's requests, an
// imported trace's threads) keep their names.
std::string laneThreadName(const std::string& lane)
{
    if (lane == "cpu")
        return "CPU stages";
    if (lane.starts_with("cpu"))
        return "CPU stages (" + lane + ")";
    if (lane.starts_with("gpu"))
        return "GPU stages (" + lane + ")";
    return lane;
}

} // namespace

nlohmann::json toChromeTrace(const LatencyRecord& record)
{
    constexpr int kProcessId = 1;
    std::map<std::string, int> laneThreads{{"cpu", 1}};
    for (const auto& s : record.samples)
        laneThreads.emplace(s.lane, static_cast<int>(laneThreads.size()) + 1);

    nlohmann::json events = nlohmann::json::array();
    events.push_back({{"ph", "M"}, {"pid", kProcessId}, {"tid", 0}, {"name", "process_name"},
                      {"args", {{"name", "Latency Studio: " + record.engineId + " on " + record.device}}}});
    for (const auto& [lane, tid] : laneThreads)
        events.push_back({{"ph", "M"}, {"pid", kProcessId}, {"tid", tid}, {"name", "thread_name"},
                          {"args", {{"name", laneThreadName(lane)}}}});
    for (const auto& s : record.samples)
        events.push_back({{"ph", "X"}, {"pid", kProcessId}, {"tid", laneThreads.at(s.lane)}, {"name", s.leafName()},
                          {"cat", "stage"}, {"ts", s.startUs}, {"dur", s.durationUs},
                          {"args", {{"path", s.path}, {"repeat", s.repeat}}}});
    // One counter sample per repeat, placed at that repeat's first stage.
    for (int repeat = 0; repeat < static_cast<int>(record.repeatTotalsUs.size()); ++repeat) {
        double firstStartUs = -1;
        for (const auto& s : record.samples)
            if (s.repeat == repeat && (firstStartUs < 0 || s.startUs < firstStartUs))
                firstStartUs = s.startUs;
        if (firstStartUs < 0)
            continue;
        events.push_back({{"ph", "C"}, {"pid", kProcessId}, {"tid", 1}, {"name", "repeat total"},
                          {"ts", firstStartUs}, {"args", {{"ms", record.repeatTotalsUs[repeat] / 1000.0}}}});
    }
    return {{"traceEvents", events},
            {"displayTimeUnit", "ms"},
            {"otherData", {{"engine", record.engineId}, {"device", record.device}, {"startedAt", record.startedAt},
                           {"parameters", record.parameters.dump()}}}};
}

std::string samplesToCsv(const LatencyRecord& record)
{
    std::string csv = "repeat,stage,lane,start_us,duration_us\n";
    for (const auto& s : record.samples)
        csv += std::to_string(s.repeat) + "," + csvField(s.path) + "," + s.lane + "," + number(s.startUs) + "," +
               number(s.durationUs) + "\n";
    return csv;
}

std::string statsToCsv(const LatencyRecord& record)
{
    std::string csv = "stage,count,mean_us,median_us,stddev_us,cv,min_us,max_us,p75_us,p90_us,p99_us,p999_us\n";
    auto row = [&](const std::string& name, const SampleStats& st) {
        csv += csvField(name) + "," + std::to_string(st.count) + "," + number(st.mean) + "," + number(st.median) + "," +
               number(st.stddev) + "," + number(st.cv) + "," + number(st.min) + "," + number(st.max) + "," +
               number(st.p75) + "," + number(st.p90) + "," + number(st.p99) + "," + number(st.p999) + "\n";
    };
    for (const auto& path : record.stagePaths())
        row(path, record.stageStats(path));
    row("(repeat total)", record.totalStats());
    return csv;
}

} // namespace ls
