#include "JsonFields.h"

#include <algorithm>

namespace ls {

nlohmann::json parseJsonText(const std::string& text, const std::string& source)
{
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte is an offset; people look for the line.
        const auto offset = std::min<std::size_t>(e.byte, text.size());
        const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
        throw FormatError(source, "line " + std::to_string(line) + ": invalid JSON (" + e.what() + ")");
    }
}

} // namespace ls
