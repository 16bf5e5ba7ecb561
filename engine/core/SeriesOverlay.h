#pragma once
// Two runs' series of the same name on one plot: the curves of both on the union of their x
// values, each interpolated linearly within its own x range and NaN (a gap) outside it, named
// "A · curve" and "B · curve". How a comparison of two runs shows a goodput curve or a CDF.
#include "Dataset.h"

#include <string>

namespace ls {

// Throws ArgumentError when either series has x values that are not ascending.
Series overlaySeries(const Series& a, const std::string& aName, const Series& b, const std::string& bName);

} // namespace ls
