#include "Parameters.h"

#include "JsonFields.h"

#include "Error.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace ls {
namespace {

// A URL or a name; a text parameter is never a document.
constexpr std::size_t kMaxTextParameterBytes = 4096;

bool holdsTypeOf(const ParameterSpec& spec, const ParameterValue& value)
{
    switch (spec.type) {
    case ParameterType::Int: return std::holds_alternative<std::int64_t>(value);
    case ParameterType::Float: return std::holds_alternative<double>(value);
    case ParameterType::Bool: return std::holds_alternative<bool>(value);
    case ParameterType::Enum:
    case ParameterType::File:
    case ParameterType::Text: return std::holds_alternative<std::string>(value);
    case ParameterType::Vector: return std::holds_alternative<std::vector<double>>(value);
    }
    return false;
}

std::string numberText(double value)
{
    std::ostringstream out;
    out << value;
    return out.str();
}

std::string rangeProblem(const ParameterSpec& spec, double value)
{
    if (!std::isfinite(value))
        return spec.key + ": " + numberText(value) + " is not a finite number";
    if (value < spec.minimum)
        return spec.key + ": " + numberText(value) + " is below the minimum " + numberText(spec.minimum);
    if (value > spec.maximum)
        return spec.key + ": " + numberText(value) + " is above the maximum " + numberText(spec.maximum);
    return {};
}

double parseDouble(const ParameterSpec& spec, const std::string& text)
{
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0')
        throw ArgumentError(spec.key + ": '" + text + "' is not a number");
    return value;
}

template <class T>
const T& typedParameter(const ParameterValues& values, const std::string& key, const char* typeName)
{
    const auto found = values.find(key);
    if (found == values.end())
        throw ArgumentError("parameter '" + key + "' is missing");
    if (!std::holds_alternative<T>(found->second))
        throw ArgumentError("parameter '" + key + "' is not " + typeName);
    return std::get<T>(found->second);
}

} // namespace

const char* toString(ParameterType type)
{
    switch (type) {
    case ParameterType::Int: return "int";
    case ParameterType::Float: return "float";
    case ParameterType::Bool: return "bool";
    case ParameterType::Enum: return "enum";
    case ParameterType::File: return "file";
    case ParameterType::Vector: return "vector";
    case ParameterType::Text: return "text";
    }
    return "?";
}

const ParameterSpec* ParameterSchema::find(const std::string& key) const
{
    const auto it = std::find_if(specs.begin(), specs.end(), [&](const auto& spec) { return spec.key == key; });
    return it == specs.end() ? nullptr : &*it;
}

ParameterValues defaultValues(const ParameterSchema& schema)
{
    ParameterValues values;
    for (const auto& spec : schema.specs)
        values[spec.key] = spec.defaultValue;
    return values;
}

std::string validateOne(const ParameterSpec& spec, const ParameterValue& value)
{
    if (!holdsTypeOf(spec, value))
        return spec.key + ": expected a value of type " + toString(spec.type);
    switch (spec.type) {
    case ParameterType::Int: return rangeProblem(spec, static_cast<double>(std::get<std::int64_t>(value)));
    case ParameterType::Float: return rangeProblem(spec, std::get<double>(value));
    case ParameterType::Bool:
    case ParameterType::File: return {};
    case ParameterType::Text: {
        const auto& text = std::get<std::string>(value);
        if (text.size() > kMaxTextParameterBytes)
            return spec.key + ": text longer than " + std::to_string(kMaxTextParameterBytes) + " bytes";
        if (std::any_of(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r' || c == '\0'; }))
            return spec.key + ": text must be one line";
        return {};
    }
    case ParameterType::Enum: {
        const auto& choice = std::get<std::string>(value);
        if (std::find(spec.choices.begin(), spec.choices.end(), choice) != spec.choices.end())
            return {};
        std::string allowed;
        for (const auto& c : spec.choices)
            allowed += (allowed.empty() ? "" : ", ") + c;
        return spec.key + ": '" + choice + "' is not one of " + allowed;
    }
    case ParameterType::Vector: {
        const auto& elements = std::get<std::vector<double>>(value);
        if (spec.vectorSize == 0 && elements.empty())
            return spec.key + ": expected one or more values";
        if (spec.vectorSize != 0 && static_cast<int>(elements.size()) != spec.vectorSize)
            return spec.key + ": expected " + std::to_string(spec.vectorSize) + " values, got " +
                   std::to_string(elements.size());
        for (double element : elements)
            if (auto problem = rangeProblem(spec, element); !problem.empty())
                return problem;
        return {};
    }
    }
    return {};
}

std::vector<std::string> validate(const ParameterSchema& schema, const ParameterValues& values)
{
    std::vector<std::string> problems;
    for (const auto& spec : schema.specs) {
        const auto found = values.find(spec.key);
        if (found == values.end())
            problems.push_back(spec.key + ": no value");
        else if (auto problem = validateOne(spec, found->second); !problem.empty())
            problems.push_back(problem);
    }
    for (const auto& [key, value] : values)
        if (!schema.find(key))
            problems.push_back(key + ": not a parameter of this engine");
    return problems;
}

ParameterValue parseParameterValue(const ParameterSpec& spec, const std::string& text)
{
    ParameterValue value;
    switch (spec.type) {
    case ParameterType::Int: {
        char* end = nullptr;
        const long long parsed = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0')
            throw ArgumentError(spec.key + ": '" + text + "' is not an integer");
        value = static_cast<std::int64_t>(parsed);
        break;
    }
    case ParameterType::Float: value = parseDouble(spec, text); break;
    case ParameterType::Bool:
        if (text == "true" || text == "1" || text == "on" || text == "yes") value = true;
        else if (text == "false" || text == "0" || text == "off" || text == "no") value = false;
        else throw ArgumentError(spec.key + ": '" + text + "' is not a boolean (true/false)");
        break;
    case ParameterType::Enum:
    case ParameterType::File:
    case ParameterType::Text: value = text; break;
    case ParameterType::Vector: {
        // Split on every comma, keeping empty items ("4," is an error, not [4]).
        std::vector<double> elements;
        std::size_t start = 0;
        while (true) {
            const auto comma = text.find(',', start);
            elements.push_back(parseDouble(spec, text.substr(start, comma - start)));
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
        value = elements;
        break;
    }
    }
    if (auto problem = validateOne(spec, value); !problem.empty())
        throw ArgumentError(problem);
    return value;
}

void applyAssignment(const ParameterSchema& schema, ParameterValues& values, const std::string& assignment)
{
    const auto equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0)
        throw ArgumentError("parameter '" + assignment + "' must be written key=value");
    const std::string key = assignment.substr(0, equals);
    const ParameterSpec* spec = schema.find(key);
    if (!spec) {
        std::string known;
        for (const auto& s : schema.specs)
            known += (known.empty() ? "" : ", ") + s.key;
        throw ArgumentError("unknown parameter '" + key + "' (this engine has: " + known + ")");
    }
    values[key] = parseParameterValue(*spec, assignment.substr(equals + 1));
}

std::string formatParameterValue(const ParameterValue& value)
{
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
            else if constexpr (std::is_same_v<T, std::int64_t>) return std::to_string(v);
            else if constexpr (std::is_same_v<T, double>) return numberText(v);
            else if constexpr (std::is_same_v<T, std::string>) return v;
            else {
                std::string text;
                for (double element : v)
                    text += (text.empty() ? "" : ",") + numberText(element);
                return text;
            }
        },
        value);
}

nlohmann::json parametersToJson(const ParameterValues& values)
{
    nlohmann::json json = nlohmann::json::object();
    for (const auto& [key, value] : values)
        std::visit([&json, &name = key](const auto& v) { json[name] = v; }, value); // clang 14: no implicit capture of bindings
    return json;
}

ParameterValues parametersFromJson(const ParameterSchema& schema, const nlohmann::json& json, const std::string& source)
{
    if (!json.is_object())
        throw FormatError(source, "parameters must be a JSON object");
    ParameterValues values = defaultValues(schema);
    for (const auto& [key, item] : json.items()) {
        const ParameterSpec* spec = schema.find(key);
        if (!spec)
            throw FormatError(source, "parameter '" + key + "' is not known to this engine");
        const std::string where = source + " parameter '" + key + "' (" + toString(spec->type) + ")";
        switch (spec->type) { // strict: 1e30 is no int64, 2.5 no integer
        case ParameterType::Int: values[key] = jsonAs<std::int64_t>(item, where); break;
        case ParameterType::Float: values[key] = jsonAs<double>(item, where); break;
        case ParameterType::Bool: values[key] = jsonAs<bool>(item, where); break;
        case ParameterType::Enum:
        case ParameterType::File:
        case ParameterType::Text: values[key] = jsonAs<std::string>(item, where); break;
        case ParameterType::Vector: values[key] = jsonAs<std::vector<double>>(item, where); break;
        }
        if (auto problem = validateOne(*spec, values[key]); !problem.empty())
            throw FormatError(source, problem);
    }
    return values;
}

std::int64_t intParameter(const ParameterValues& values, const std::string& key)
{
    return typedParameter<std::int64_t>(values, key, "an integer");
}
double floatParameter(const ParameterValues& values, const std::string& key)
{
    return typedParameter<double>(values, key, "a number");
}
bool boolParameter(const ParameterValues& values, const std::string& key)
{
    return typedParameter<bool>(values, key, "a boolean");
}
const std::string& stringParameter(const ParameterValues& values, const std::string& key)
{
    return typedParameter<std::string>(values, key, "a string");
}
const std::vector<double>& vectorParameter(const ParameterValues& values, const std::string& key)
{
    return typedParameter<std::vector<double>>(values, key, "a vector");
}

} // namespace ls
