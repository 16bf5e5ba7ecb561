#pragma once
// Sizes read from untrusted files: counts parsed strictly (no sign, no wrap) and products that
// cannot overflow, so a size is always checked against the file's real length before allocating.
#include "Error.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace ls {

// a × b, or a FormatError naming `source` and `what` when the product does not fit in 64 bits.
inline std::uint64_t checkedMultiply(std::uint64_t a, std::uint64_t b, const std::string& source, const std::string& what)
{
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a)
        throw FormatError(source, what + " overflows (" + std::to_string(a) + " × " + std::to_string(b) + ")");
    return a * b;
}

// A non-negative decimal count as written in a header ("4096"); "-1", "1e12", "12abc" and values
// above `maximum` are refused with a message naming `what`.
inline std::uint64_t parseCount(std::string_view text, const std::string& source, const std::string& what,
                                std::uint64_t maximum = std::numeric_limits<std::uint64_t>::max())
{
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
        throw FormatError(source, what + " '" + std::string(text) + "' is not a whole number ≥ 0");
    if (value > maximum)
        throw FormatError(source, what + " " + std::string(text) + " is larger than " + std::to_string(maximum));
    return value;
}

} // namespace ls
