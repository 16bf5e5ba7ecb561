#pragma once
// Typed parameter schemas: an engine declares its parameters once; the studio generates widgets
// from the schema, the CLI parses `--param key=value` against it, sessions store values as JSON.
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace ls {

// Text: free text (a server's URL, a model name); appended last so that plugins built before it
// keep the values of the others.
enum class ParameterType { Int, Float, Bool, Enum, File, Vector, Text };
const char* toString(ParameterType type);

// Int → int64_t, Float → double, Bool → bool, Enum, File and Text → string, Vector → vector<double>.
using ParameterValue = std::variant<bool, std::int64_t, double, std::string, std::vector<double>>;

struct ParameterSpec {
    std::string key;     // identifier used on the command line and in sessions ("pointCount")
    std::string label;   // shown in the parameters panel ("Points")
    ParameterType type = ParameterType::Float;
    ParameterValue defaultValue;
    double minimum = -std::numeric_limits<double>::infinity(); // Int, Float, and each Vector element
    double maximum = std::numeric_limits<double>::infinity();
    std::string units;                // "m", "ms", "points"
    std::string help;                 // one or two sentences shown as a tooltip and in `--help`
    std::vector<std::string> choices; // Enum
    int vectorSize = 0;               // Vector: number of elements; 0: one or more (a sweep's values)
    std::string fileFilter;           // File: "NumPy arrays (*.npy)", or "folder" for a directory
    // Also a control in the 3D view's overlay, for quick what-ifs: changing it there re-runs the
    // engine with the shown run's other parameters (for engines that answer in about a second).
    bool overlay = false;
};

struct ParameterSchema {
    std::vector<ParameterSpec> specs;
    const ParameterSpec* find(const std::string& key) const;
};

using ParameterValues = std::map<std::string, ParameterValue>;

ParameterValues defaultValues(const ParameterSchema& schema);

// One message per problem, each starting with the parameter key; empty when all is well.
std::vector<std::string> validate(const ParameterSchema& schema, const ParameterValues& values);
std::string validateOne(const ParameterSpec& spec, const ParameterValue& value);

// Parses text for `spec` ("0.5", "true", "1,2,3", an enum choice); throws ArgumentError.
ParameterValue parseParameterValue(const ParameterSpec& spec, const std::string& text);
// Applies "key=value" to `values`; throws ArgumentError naming the key (unknown key, bad value).
void applyAssignment(const ParameterSchema& schema, ParameterValues& values, const std::string& assignment);

std::string formatParameterValue(const ParameterValue& value);

nlohmann::json parametersToJson(const ParameterValues& values);
// Reads values for `schema`; missing keys take defaults, unknown keys are an error naming `source`.
ParameterValues parametersFromJson(const ParameterSchema& schema, const nlohmann::json& json, const std::string& source);

// Typed access for engines (after validation): throws ArgumentError if the key or type is wrong.
std::int64_t intParameter(const ParameterValues& values, const std::string& key);
double floatParameter(const ParameterValues& values, const std::string& key);
bool boolParameter(const ParameterValues& values, const std::string& key);
const std::string& stringParameter(const ParameterValues& values, const std::string& key);
const std::vector<double>& vectorParameter(const ParameterValues& values, const std::string& key);

} // namespace ls
