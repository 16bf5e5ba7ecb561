#include "JsonFields.h"

#include <algorithm>

namespace ls {

std::size_t lineOfOffset(const std::string& text, std::size_t offset)
{
    offset = std::min(offset, text.size());
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

nlohmann::json parseJsonText(const std::string& text, const std::string& source)
{
    // The callback sees each value's depth as it is parsed, so a deep document is refused before
    // anything walks it recursively.
    const nlohmann::json::parser_callback_t limitDepth = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth >= kMaxJsonDepth) // depth counts the enclosing levels of the value being parsed
            throw FormatError(source, "JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        return true;
    };
    try {
        return nlohmann::json::parse(text, limitDepth);
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte is an offset; people look for the line.
        throw FormatError(source, "line " + std::to_string(lineOfOffset(text, e.byte)) + ": invalid JSON (" + e.what() + ")");
    } catch (const nlohmann::json::exception& e) { // out_of_range 406: a number like 1e400
        throw FormatError(source, std::string("invalid JSON (") + e.what() + ")");
    }
}

namespace detail {

std::string describeJsonValue(const nlohmann::json& value)
{
    switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::string: {
        std::string text = value.get<std::string>();
        if (text.size() > 40)
            text = text.substr(0, 40) + "...";
        return "the text \"" + text + "\"";
    }
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "the number " + value.dump();
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::object: return "an object";
    default: return "a value of another kind";
    }
}

} // namespace detail
} // namespace ls
