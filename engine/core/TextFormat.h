#pragma once
// Numbers as table cells: fixed decimals, "n/a" for NaN (a metric that could not be computed).
#include <cmath>
#include <cstdio>
#include <string>

namespace ls {

inline std::string fixedDecimals(double value, int decimals = 3)
{
    if (std::isnan(value))
        return "n/a";
    char text[48];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

} // namespace ls
