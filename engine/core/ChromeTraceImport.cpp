#include "ChromeTraceImport.h"

#include "AtomicFile.h"
#include "Error.h"
#include "JsonFields.h"

#include <algorithm>
#include <limits>

namespace ls {
namespace {

struct Interval {
    std::string name;
    double startUs = 0, durationUs = 0;
    std::string path;  // from args.path (the studio's own exports), else built by containment
    int repeat = -1;   // from args.repeat, else numbered per path
};

struct ThreadTrack {
    std::string laneName;
    std::vector<Interval> intervals;
    std::vector<std::pair<Interval, std::size_t>> open; // 'B' events waiting for their 'E' (with index)
};

// pid and tid are numbers in most traces and strings in some.
std::string idOf(const nlohmann::json& event, const char* key)
{
    if (!event.contains(key))
        return "0";
    const auto& value = event[key];
    return value.is_string() ? value.get<std::string>() : value.dump();
}

double number(const nlohmann::json& event, const char* key, const std::string& where)
{
    if (!event.contains(key))
        throw FormatError(where, std::string("missing field '") + key + "'");
    if (!event[key].is_number())
        throw FormatError(where, std::string("field '") + key + "' must be a number");
    return event[key].get<double>();
}

// The studio names its lanes "CPU stages" and "GPU stages (gpu)"; map them back to lane ids.
std::string laneFromThreadName(const std::string& threadName)
{
    if (threadName == "CPU stages")
        return "cpu";
    if (threadName.starts_with("GPU stages (") && threadName.ends_with(")"))
        return threadName.substr(12, threadName.size() - 13);
    return threadName;
}

} // namespace

ImportedTrace importChromeTrace(const std::string& jsonText, const std::string& source)
{
    const nlohmann::json document = parseJsonText(jsonText, source);
    const nlohmann::json* events = &document;
    if (document.is_object()) {
        if (!document.contains("traceEvents") || !document["traceEvents"].is_array())
            throw FormatError(source, "a trace object needs a 'traceEvents' array");
        events = &document["traceEvents"];
    } else if (!document.is_array()) {
        throw FormatError(source, "a Chrome trace is a JSON array of events or an object with 'traceEvents'");
    }

    ImportedTrace trace;
    std::map<std::string, std::map<std::string, ThreadTrack>> processes; // pid → tid → track
    std::map<std::string, std::string> processNames;
    for (std::size_t i = 0; i < events->size(); ++i) {
        const std::string where = source + " traceEvents[" + std::to_string(i) + "]";
        const auto& event = (*events)[i];
        if (!event.is_object())
            throw FormatError(where, "an event must be a JSON object");
        const std::string phase = requiredField<std::string>(event, "ph", where);
        const std::string pid = idOf(event, "pid"), tid = idOf(event, "tid");
        const std::string name = optionalField<std::string>(event, "name", "", where);
        if (phase == "M") {
            const std::string label = event.contains("args") ? optionalField<std::string>(event["args"], "name", "", where + " args") : "";
            if (name == "thread_name")
                processes[pid][tid].laneName = laneFromThreadName(label);
            else if (name == "process_name")
                processNames[pid] = label;
            continue;
        }
        if (phase == "C") {
            const double ts = number(event, "ts", where);
            if (event.contains("args") && event["args"].is_object())
                for (const auto& [series, value] : event["args"].items())
                    if (value.is_number())
                        trace.counters[name + (event["args"].size() > 1 ? "." + series : "")].emplace_back(ts, value.get<double>());
            continue;
        }
        if (phase != "X" && phase != "B" && phase != "E")
            continue; // instant, async, flow and object events carry no durations to show
        auto& track = processes[pid][tid];
        const double ts = number(event, "ts", where);
        Interval interval{name, ts, 0, "", -1};
        if (event.contains("args") && event["args"].is_object()) {
            interval.path = optionalField<std::string>(event["args"], "path", "", where + " args");
            interval.repeat = optionalField<int>(event["args"], "repeat", -1, where + " args");
            if (interval.repeat < -1)
                throw FormatError(where + " args", "field 'repeat' is negative");
            if (std::count(interval.path.begin(), interval.path.end(), '/') > kMaxStageDepth)
                throw FormatError(where + " args", "field 'path' nests deeper than " + std::to_string(kMaxStageDepth) + " stages");
        }
        if (phase == "X") {
            interval.durationUs = number(event, "dur", where);
            if (interval.durationUs < 0)
                throw FormatError(where, "field 'dur' is negative");
            track.intervals.push_back(interval);
        } else if (phase == "B") {
            if (name.empty())
                throw FormatError(where, "a 'B' event needs a 'name'");
            track.open.emplace_back(interval, i);
        } else { // 'E' closes the innermost open 'B' of the same thread
            if (track.open.empty())
                throw FormatError(where, "'E' without a matching 'B' on pid " + pid + " tid " + tid);
            Interval begun = track.open.back().first;
            track.open.pop_back();
            if (ts < begun.startUs)
                throw FormatError(where, "'E' at " + std::to_string(ts) + " µs is before its 'B'");
            begun.durationUs = ts - begun.startUs;
            track.intervals.push_back(begun);
        }
    }

    double originUs = std::numeric_limits<double>::max();
    for (auto& [pid, threads] : processes)
        for (auto& [tid, track] : threads) {
            if (!track.open.empty())
                throw FormatError(source + " traceEvents[" + std::to_string(track.open.back().second) + "]",
                                  "'B' event '" + track.open.back().first.name + "' is never ended");
            for (const auto& interval : track.intervals)
                originUs = std::min(originUs, interval.startUs);
        }

    for (auto& [pid, threads] : processes) {
        LatencyRecord record;
        record.engineId = processNames.contains(pid) ? processNames[pid] : "pid " + pid;
        if (document.is_object() && document.contains("otherData") && document["otherData"].is_object()) {
            const auto& other = document["otherData"];
            record.engineId = optionalField<std::string>(other, "engine", record.engineId, source + " otherData");
            record.device = optionalField<std::string>(other, "device", "", source + " otherData");
            record.startedAt = optionalField<std::string>(other, "startedAt", "", source + " otherData");
        }
        std::map<std::string, int> occurrences;
        for (auto& [tid, track] : threads) {
            if (track.intervals.empty())
                continue;
            const std::string lane = track.laneName.empty() ? "thread " + tid : track.laneName;
            // Outer stages first at equal starts, so that containment gives the nesting.
            std::sort(track.intervals.begin(), track.intervals.end(), [](const Interval& x, const Interval& y) {
                return x.startUs != y.startUs ? x.startUs < y.startUs : x.durationUs > y.durationUs;
            });
            std::vector<const Interval*> stack;
            std::vector<std::string> stackPaths;
            for (const auto& interval : track.intervals) {
                while (!stack.empty() && interval.startUs >= stack.back()->startUs + stack.back()->durationUs) {
                    stack.pop_back();
                    stackPaths.pop_back();
                }
                // Containment builds each path from its parent's: a trace nesting thousands of levels
                // would make quadratic text, so depth is capped as for the studio's own records.
                if (interval.path.empty() && stack.size() >= static_cast<std::size_t>(kMaxStageDepth))
                    throw FormatError(source, "intervals on '" + lane + "' nest deeper than " + std::to_string(kMaxStageDepth) + " levels");
                const std::string path = !interval.path.empty() ? interval.path
                                         : stackPaths.empty()   ? interval.name
                                                                : stackPaths.back() + "/" + interval.name;
                const int depth = static_cast<int>(std::count(path.begin(), path.end(), '/'));
                const int repeat = interval.repeat >= 0 ? interval.repeat : occurrences[lane + "|" + path]++;
                record.samples.push_back({path, depth, repeat, lane, interval.startUs - originUs, interval.durationUs});
                stack.push_back(&interval);
                stackPaths.push_back(path);
            }
        }
        for (const auto& sample : record.samples)
            record.repeats = std::max(record.repeats, sample.repeat + 1);
        if (const auto totals = trace.counters.find("repeat total"); totals != trace.counters.end())
            for (const auto& [ts, ms] : totals->second)
                record.repeatTotalsUs.push_back(ms * 1000.0);
        if (!record.samples.empty())
            trace.records.push_back(std::move(record));
    }
    return trace;
}

ImportedTrace importChromeTraceFile(const std::filesystem::path& path)
{
    return importChromeTrace(readFileText(path), path.string());
}

} // namespace ls
