#pragma once
// Reading JSON documents from files we did not write: every read goes through these helpers, which
// turn syntax, nesting, type, range and overflow problems into a FormatError naming the source and
// the field, so no nlohmann exception (and no silent truncation of a number) reaches a caller.
#include "Error.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

namespace ls {

// Deeper documents are refused: code that walks a document (dump, copies, our own readers) recurses
// once per level, and no file of ours nests more than a dozen levels.
constexpr int kMaxJsonDepth = 200;

// Parses JSON text; a syntax error, a number out of range (1e400) or nesting deeper than
// kMaxJsonDepth becomes a FormatError naming `source` and the line.
nlohmann::json parseJsonText(const std::string& text, const std::string& source);

// The line (1-based) of byte `offset` in `text`, for messages.
std::size_t lineOfOffset(const std::string& text, std::size_t offset);

namespace detail {
template <class T> struct IsVector : std::false_type {};
template <class T> struct IsVector<std::vector<T>> : std::true_type { using Element = T; };
std::string describeJsonValue(const nlohmann::json& value); // "the string \"abc\"", "the number 1e+20", ...
} // namespace detail

// `value` converted to T, strictly: integers must be whole and within T's range, floating-point
// values finite numbers, strings strings, vectors arrays of such. `where` names the value.
template <class T>
T jsonAs(const nlohmann::json& value, const std::string& where)
{
    auto wrong = [&](const std::string& expected) {
        return FormatError(where, "expected " + expected + ", found " + detail::describeJsonValue(value));
    };
    if constexpr (std::is_same_v<T, nlohmann::json>) {
        return value;
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!value.is_boolean())
            throw wrong("true or false");
        return value.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
        const std::string range = "an integer from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
                                  std::to_string(std::numeric_limits<T>::max());
        if (value.is_number_unsigned()) {
            const auto v = value.get<std::uint64_t>();
            if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
                throw wrong(range);
            return static_cast<T>(v);
        }
        if (value.is_number_integer()) {
            const auto v = value.get<std::int64_t>();
            if constexpr (std::is_unsigned_v<T>) {
                if (v < 0 || static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
                    throw wrong(range);
            } else if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
                       v > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
                throw wrong(range);
            }
            return static_cast<T>(v);
        }
        if (value.is_number_float()) { // 3.0 is a whole number; 3.5 and 1e30 are not
            const double v = value.get<double>();
            // max / 2 + 1 is a power of two, so its double is exact and twice it bounds T from above.
            const double above = 2.0 * static_cast<double>(std::numeric_limits<T>::max() / 2 + 1);
            if (!(std::trunc(v) == v) || v < static_cast<double>(std::numeric_limits<T>::min()) || v >= above)
                throw wrong(range);
            return static_cast<T>(v);
        }
        throw wrong(range);
    } else if constexpr (std::is_floating_point_v<T>) {
        if (!value.is_number())
            throw wrong("a number");
        const double v = value.get<double>();
        if (!std::isfinite(static_cast<T>(v)))
            throw wrong("a finite number");
        return static_cast<T>(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!value.is_string())
            throw wrong("text");
        return value.get<std::string>();
    } else if constexpr (detail::IsVector<T>::value) {
        if (!value.is_array())
            throw wrong("a list");
        T out;
        out.reserve(value.size());
        for (std::size_t i = 0; i < value.size(); ++i)
            out.push_back(jsonAs<typename detail::IsVector<T>::Element>(value[i], where + "[" + std::to_string(i) + "]"));
        return out;
    } else {
        try {
            return value.get<T>();
        } catch (const nlohmann::json::exception&) {
            throw FormatError(where, "has the wrong type");
        }
    }
}

// `where` names the document and the object in it, e.g. "s.lstudio runs[2]".
template <class T>
T requiredField(const nlohmann::json& object, const char* key, const std::string& where)
{
    if (!object.is_object())
        throw FormatError(where, std::string("expected an object with field '") + key + "', found " +
                                     detail::describeJsonValue(object));
    const auto found = object.find(key);
    if (found == object.end())
        throw FormatError(where, std::string("missing field '") + key + "'");
    return jsonAs<T>(*found, where + " field '" + key + "'");
}

// Like requiredField, but an absent field (or null) gives `fallback`; a present one must convert.
template <class T>
T optionalField(const nlohmann::json& object, const char* key, T fallback, const std::string& where)
{
    if (!object.is_object())
        throw FormatError(where, std::string("expected an object, found ") + detail::describeJsonValue(object));
    const auto found = object.find(key);
    if (found == object.end() || found->is_null())
        return fallback;
    return jsonAs<T>(*found, where + " field '" + key + "'");
}

} // namespace ls
