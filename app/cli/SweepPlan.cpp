#include "SweepPlan.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace ls::cli {

namespace {

constexpr std::size_t kMaxRuns = 100000; // a sweep this large is a typo in a grid, not a plan

const nlohmann::ordered_json& arrayOf(const nlohmann::ordered_json& document, const char* key, const std::string& source)
{
    const nlohmann::ordered_json& value = document.at(key);
    if (!value.is_array() || value.empty())
        throw FormatError(source, std::string("'") + key + "' must be a non-empty list");
    return value;
}

template <class Json> bool isScalar(const Json& value) { return value.is_number() || value.is_string() || value.is_boolean(); }

// YAML as the JSON it means: mappings in their order, plain scalars typed as YAML 1.2's core
// schema reads them (booleans, whole numbers, other numbers, else strings), quoted ones strings.
nlohmann::ordered_json yamlToJson(const YAML::Node& node, const std::string& source)
{
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Sequence: {
        nlohmann::ordered_json array = nlohmann::ordered_json::array();
        for (const auto& item : node)
            array.push_back(yamlToJson(item, source));
        return array;
    }
    case YAML::NodeType::Map: {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (const auto& entry : node) {
            if (!entry.first.IsScalar())
                throw FormatError(source, "a YAML key must be a plain name");
            object[entry.first.Scalar()] = yamlToJson(entry.second, source);
        }
        return object;
    }
    case YAML::NodeType::Scalar: break;
    }
    const std::string& text = node.Scalar();
    if (node.Tag() == "!") // quoted
        return text;
    if (text == "true" || text == "True" || text == "TRUE")
        return true;
    if (text == "false" || text == "False" || text == "FALSE")
        return false;
    char* end = nullptr;
    errno = 0;
    const long long whole = std::strtoll(text.c_str(), &end, 10);
    if (!text.empty() && *end == '\0' && errno == 0)
        return static_cast<std::int64_t>(whole);
    const double number = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0' && std::isfinite(number))
        return number;
    return text;
}

} // namespace

SweepPlan parseSweepPlan(const nlohmann::ordered_json& document, const std::string& source)
{
    if (!document.is_object())
        throw FormatError(source, "a sweep file is a JSON object");
    static const std::set<std::string> known{"engine", "parameters", "grid", "list", "seeds", "seed_parameter", "repeats", "warmup", "devices",
                                             "schedule"};
    for (const auto& [key, value] : document.items())
        if (!known.count(key))
            throw FormatError(source, "unknown key '" + key + "' (known: engine, parameters, grid, list, seeds, seed_parameter, repeats, warmup, "
                                                          "devices, schedule)");
    SweepPlan plan;
    if (!document.contains("engine") || !document["engine"].is_string() || document["engine"].get<std::string>().empty())
        throw FormatError(source, "'engine' must name an engine (see latency-studio-cli plugins)");
    plan.engine = document["engine"].get<std::string>();
    if (document.contains("parameters")) {
        if (!document["parameters"].is_object())
            throw FormatError(source, "'parameters' must be an object of parameter values");
        plan.fixed = nlohmann::json::parse(document["parameters"].dump());
        for (const auto& [key, value] : plan.fixed.items())
            if (!isScalar(value) && !value.is_array())
                throw FormatError(source, "parameters." + key + ": a value must be a number, string, boolean or list of numbers");
    }
    if (document.contains("grid") == document.contains("list"))
        throw FormatError(source, "give either 'grid' (values per parameter, every combination) or 'list' (one object per run)");

    std::vector<nlohmann::json> points;
    if (document.contains("grid")) {
        const nlohmann::ordered_json& grid = document["grid"];
        if (!grid.is_object() || grid.empty())
            throw FormatError(source, "'grid' must map parameter names to lists of values");
        points.push_back(nlohmann::json::object());
        for (const auto& [key, values] : grid.items()) {
            if (!values.is_array() || values.empty())
                throw FormatError(source, "grid." + key + " must be a non-empty list of values");
            if (plan.fixed.contains(key))
                throw FormatError(source, "'" + key + "' is both fixed in 'parameters' and swept in 'grid'");
            plan.varied.push_back(key);
            std::vector<nlohmann::json> next;
            for (const auto& point : points)
                for (const auto& value : values) {
                    if (!isScalar(value))
                        throw FormatError(source, "grid." + key + ": values must be numbers, strings or booleans");
                    nlohmann::json extended = point;
                    extended[key] = nlohmann::json::parse(value.dump());
                    next.push_back(std::move(extended));
                    if (next.size() > kMaxRuns)
                        throw FormatError(source, "the grid has more than " + std::to_string(kMaxRuns) + " points");
                }
            points = std::move(next);
        }
    } else {
        for (const auto& point : arrayOf(document, "list", source)) {
            if (!point.is_object() || point.empty())
                throw FormatError(source, "each 'list' entry is an object of parameter values");
            for (const auto& [key, value] : point.items()) {
                if (!isScalar(value))
                    throw FormatError(source, "list entry " + std::to_string(points.size()) + ", " + key + ": values must be numbers, strings or booleans");
                if (std::find(plan.varied.begin(), plan.varied.end(), key) == plan.varied.end())
                    plan.varied.push_back(key);
            }
            points.push_back(nlohmann::json::parse(point.dump()));
        }
    }

    std::vector<std::int64_t> seeds;
    if (document.contains("seeds"))
        for (const auto& seed : arrayOf(document, "seeds", source)) {
            if (!seed.is_number_integer())
                throw FormatError(source, "'seeds' must be whole numbers");
            seeds.push_back(seed.get<std::int64_t>());
        }
    if (document.contains("seed_parameter")) {
        if (!document["seed_parameter"].is_string())
            throw FormatError(source, "'seed_parameter' must be a parameter name");
        plan.seedParameter = document["seed_parameter"].get<std::string>();
    }
    std::vector<std::string> devices{"auto"};
    if (document.contains("devices")) {
        devices.clear();
        for (const auto& device : arrayOf(document, "devices", source)) {
            if (!device.is_string())
                throw FormatError(source, "'devices' must be strings: cpu, cuda, cuda:N or auto");
            const std::string name = device.get<std::string>();
            if (name != "cpu" && name != "cuda" && name != "auto" && name.rfind("cuda:", 0) != 0)
                throw FormatError(source, "device '" + name + "': write cpu, cuda (each rank's own GPU), cuda:N or auto");
            devices.push_back(name);
        }
    }
    auto count = [&](const char* key, int& into, bool& given) {
        if (!document.contains(key))
            return;
        if (!document[key].is_number_integer() || document[key].get<std::int64_t>() < 0 || document[key].get<std::int64_t>() > 100000)
            throw FormatError(source, std::string("'") + key + "' must be a whole number from 0 to 100000");
        into = document[key].get<int>();
        given = true;
    };
    count("repeats", plan.repeats, plan.repeatsGiven);
    count("warmup", plan.warmup, plan.warmupGiven);
    if (plan.repeatsGiven && plan.repeats < 1)
        throw FormatError(source, "'repeats' must be at least 1");
    if (document.contains("schedule")) {
        const auto& schedule = document["schedule"];
        if (!schedule.is_string() || (schedule != "static" && schedule != "dynamic"))
            throw FormatError(source, "'schedule' is static (run i on rank i mod N) or dynamic (each rank takes the next run when free)");
        plan.dynamic = schedule == "dynamic";
    }

    const std::size_t seedCount = seeds.empty() ? 1 : seeds.size();
    if (points.size() * seedCount * devices.size() > kMaxRuns)
        throw FormatError(source, "the sweep has more than " + std::to_string(kMaxRuns) + " runs");
    for (const auto& point : points)
        for (std::size_t s = 0; s < seedCount; ++s)
            for (const auto& device : devices) {
                SweepRun run;
                run.index = static_cast<int>(plan.runs.size());
                run.point = point;
                run.hasSeed = !seeds.empty();
                run.seed = seeds.empty() ? 0 : seeds[s];
                run.device = device;
                plan.runs.push_back(std::move(run));
            }
    return plan;
}

SweepPlan readSweepPlan(const std::string& path)
{
    const std::size_t dot = path.rfind('.');
    const std::string extension = dot == std::string::npos ? "" : path.substr(dot);
    const auto bytes = readFileBytes(path);
    nlohmann::ordered_json document;
    if (extension == ".yaml" || extension == ".yml") {
        try {
            document = yamlToJson(YAML::Load(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size())), path);
        } catch (const YAML::Exception& error) {
            throw FormatError(path, std::string("not YAML: ") + error.what());
        }
        return parseSweepPlan(document, path);
    }
    try {
        document = nlohmann::ordered_json::parse(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    } catch (const nlohmann::json::parse_error& error) {
        throw FormatError(path, std::string("not JSON: ") + error.what());
    }
    return parseSweepPlan(document, path);
}

std::string assignmentFor(const std::string& key, const nlohmann::json& value)
{
    return key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
}

std::string describeSweepRun(const SweepPlan& plan, const SweepRun& run)
{
    std::string text;
    for (const auto& key : plan.varied)
        if (run.point.contains(key))
            text += (text.empty() ? "" : ", ") + key + "=" + (run.point[key].is_string() ? run.point[key].get<std::string>() : run.point[key].dump());
    if (run.hasSeed)
        text += (text.empty() ? "" : ", ") + std::string("seed ") + std::to_string(run.seed);
    text += (text.empty() ? "" : ", ") + run.device;
    return text;
}

} // namespace ls::cli
