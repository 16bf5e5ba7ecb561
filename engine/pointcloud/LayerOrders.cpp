#include "LayerOrders.h"

#include "engine/core/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace ls::pointcloud {

namespace {

constexpr LayerKind kZ{SortAxis::X, false, Curve::ZOrder}, kZTransposed{SortAxis::Y, false, Curve::ZOrder};
constexpr LayerKind kHilbert{SortAxis::X, false, Curve::Hilbert}, kHilbertTransposed{SortAxis::Y, false, Curve::Hilbert};

const std::vector<std::pair<std::string, std::vector<LayerKind>>>& cycles()
{
    static const std::vector<std::pair<std::string, std::vector<LayerKind>>> all{
        {kWindowSnakeOrder, {std::begin(kBlockLayers), std::end(kBlockLayers)}},
        {"z-order", {kZ}},
        {"z-order transposed", {kZTransposed}},
        {"hilbert", {kHilbert}},
        {"hilbert transposed", {kHilbertTransposed}},
        {"z-order + transposed", {kZ, kZTransposed}},
        {"hilbert + transposed", {kHilbert, kHilbertTransposed}},
        {"PTv3 (z, z transposed, hilbert, hilbert transposed)", {kZ, kZTransposed, kHilbert, kHilbertTransposed}},
    };
    return all;
}

} // namespace

std::vector<std::string> orderChoices()
{
    std::vector<std::string> names;
    for (const auto& cycle : cycles())
        names.push_back(cycle.first);
    return names;
}

std::vector<LayerKind> orderCycle(const std::string& choice)
{
    for (const auto& cycle : cycles())
        if (cycle.first == choice)
            return cycle.second;
    throw ArgumentError("order: unknown choice '" + choice + "'");
}

std::string layerKindName(LayerKind kind)
{
    const bool alongY = kind.axis == SortAxis::Y;
    switch (kind.curve) {
    case Curve::ZOrder:
        return alongY ? "z-order transposed" : "z-order";
    case Curve::Hilbert:
        return alongY ? "hilbert transposed" : "hilbert";
    case Curve::Window:
        break;
    }
    return std::string(alongY ? "y" : "x") + (kind.shifted ? " shifted" : "");
}

GroupLocality groupLocality(const std::vector<std::int32_t>& order, const Grouping& grouping, const PillarCoords& pillars,
                            double pillarSizeM)
{
    struct Sums {
        double count = 0, x = 0, y = 0, xx = 0, yy = 0;
        double minX = std::numeric_limits<double>::max(), minY = std::numeric_limits<double>::max();
        double maxX = std::numeric_limits<double>::lowest(), maxY = std::numeric_limits<double>::lowest();
    };
    std::vector<Sums> groups(grouping.groupCount());
    for (std::size_t position = 0; position < order.size(); ++position) {
        Sums& g = groups[static_cast<std::size_t>(grouping.orderToSlot[position] / grouping.groupSize)];
        const double x = pillars.x[order[position]], y = pillars.y[order[position]];
        g.count += 1;
        g.x += x;
        g.y += y;
        g.xx += x * x;
        g.yy += y * y;
        g.minX = std::min(g.minX, x);
        g.maxX = std::max(g.maxX, x);
        g.minY = std::min(g.minY, y);
        g.maxY = std::max(g.maxY, y);
    }
    GroupLocality locality;
    std::size_t counted = 0;
    for (const Sums& g : groups) {
        if (g.count == 0)
            continue;
        const double mx = g.x / g.count, my = g.y / g.count;
        const double variance = std::max(0.0, g.xx / g.count - mx * mx) + std::max(0.0, g.yy / g.count - my * my);
        locality.rmsRadiusM += std::sqrt(variance) * pillarSizeM;
        locality.boxDiagonalM += std::hypot(g.maxX - g.minX + 1, g.maxY - g.minY + 1) * pillarSizeM; // cells, edge to edge
        ++counted;
    }
    if (counted > 0) {
        locality.rmsRadiusM /= static_cast<double>(counted);
        locality.boxDiagonalM /= static_cast<double>(counted);
    }
    return locality;
}

} // namespace ls::pointcloud
