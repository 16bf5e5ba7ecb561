#include "SeriesOverlay.h"

#include "Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ls {
namespace {

float interpolate(const std::vector<float>& x, const std::vector<float>& y, float at)
{
    if (x.empty() || at < x.front() || at > x.back())
        return std::numeric_limits<float>::quiet_NaN();
    const auto upper = std::lower_bound(x.begin(), x.end(), at);
    const auto i = static_cast<std::size_t>(upper - x.begin());
    if (x[i] == at || i == 0)
        return y[i];
    const float t = (at - x[i - 1]) / (x[i] - x[i - 1]);
    return y[i - 1] + t * (y[i] - y[i - 1]);
}

void appendCurves(Series& out, const Series& from, const std::string& name)
{
    if (!std::is_sorted(from.x.begin(), from.x.end()))
        throw ArgumentError("series of " + name + ": x values are not ascending");
    for (const auto& curve : from.curves) {
        Attribute merged{name + " · " + curve.name, 1, {}};
        for (float x : out.x)
            merged.values.push_back(interpolate(from.x, curve.values, x));
        out.curves.push_back(std::move(merged));
    }
}

} // namespace

Series overlaySeries(const Series& a, const std::string& aName, const Series& b, const std::string& bName)
{
    Series out;
    out.xLabel = a.xLabel;
    out.x = a.x;
    out.x.insert(out.x.end(), b.x.begin(), b.x.end());
    std::sort(out.x.begin(), out.x.end());
    out.x.erase(std::unique(out.x.begin(), out.x.end()), out.x.end());
    appendCurves(out, a, aName);
    appendCurves(out, b, bName);
    return out;
}

} // namespace ls
