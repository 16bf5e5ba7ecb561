#include "FlatFormerOutputs.h"

#include <cmath>
#include <cstdio>

namespace ls::pointcloud {

namespace {

struct PillarViews {
    std::vector<float> window, group, place, norm; // [P] each, for the shown layer
};

PillarViews pillarViews(const FlatFormerRunResult& r)
{
    const std::size_t pillarCount = r.pillars.coords.size();
    const LayerKind kind = r.kindOf(r.shownLayer);
    PillarViews views{std::vector<float>(pillarCount), std::vector<float>(pillarCount), std::vector<float>(pillarCount),
                      std::vector<float>(pillarCount)};
    const int shift = kind.shifted ? r.windowEdge / 2 : 0;
    const int windowsX = (r.pillars.grid.nx + shift + r.windowEdge - 1) / r.windowEdge + 1;
    for (std::size_t position = 0; position < pillarCount; ++position) {
        const auto pillar = static_cast<std::size_t>(r.shownOrder[position]);
        const int wx = (r.pillars.coords.x[pillar] + shift) / r.windowEdge, wy = (r.pillars.coords.y[pillar] + shift) / r.windowEdge;
        if (kind.curve == Curve::Window)
            views.window[pillar] = static_cast<float>(wy * windowsX + wx);
        views.group[pillar] = static_cast<float>(r.shownGrouping.orderToSlot[position] / r.groupSize);
        views.place[pillar] = pillarCount > 1 ? static_cast<float>(position) / static_cast<float>(pillarCount - 1) : 0.0f;
    }
    for (std::size_t p = 0; p < pillarCount; ++p) {
        double sum = 0;
        for (int c = 0; c < r.channels; ++c)
            sum += static_cast<double>(r.features[p * r.channels + c]) * r.features[p * r.channels + c];
        views.norm[p] = static_cast<float>(std::sqrt(sum));
    }
    return views;
}

PointCloud pointsDataset(const FlatFormerRunResult& r, const PillarViews& views)
{
    PointCloud cloud;
    std::vector<float> window, group, place, norm, intensity, label, pillarIndex;
    for (std::size_t i = 0; i < r.points.size(); ++i) {
        const std::int32_t pillar = r.pillars.pointToPillar[i];
        if (pillar < 0)
            continue;
        const float* p = r.points.values.data() + i * r.points.channels;
        cloud.positions.insert(cloud.positions.end(), {p[0], p[1], p[2]});
        window.push_back(views.window[pillar]);
        group.push_back(views.group[pillar]);
        place.push_back(views.place[pillar]);
        norm.push_back(views.norm[pillar]);
        intensity.push_back(r.points.channels > 3 ? p[3] : 0.0f);
        pillarIndex.push_back(static_cast<float>(pillar));
        if (!r.surfaceLabels.empty())
            label.push_back(static_cast<float>(r.surfaceLabels[i]));
    }
    // "group" is a patch for the curve orders: coloured by it, the points follow the curve.
    cloud.attributes = {{"flattened order", 1, std::move(place)}, {"group", 1, std::move(group)}};
    if (r.kindOf(r.shownLayer).curve == Curve::Window)
        cloud.attributes.push_back({"window", 1, std::move(window)});
    cloud.attributes.push_back({"output norm", 1, std::move(norm)});
    cloud.attributes.push_back({"intensity", 1, std::move(intensity)});
    cloud.attributes.push_back({"pillar", 1, std::move(pillarIndex)});
    if (!label.empty())
        cloud.attributes.push_back({"surface", 1, std::move(label)}); // 0 ground, 1 car, 2 building, 3 pole (in the table)
    // Every layer's groups, so that "Colour by" steps through the alternation without a new run.
    const std::size_t pillarCount = r.pillars.coords.size();
    for (int layer = 0; layer < r.layers; ++layer) {
        std::vector<float> groups;
        groups.reserve(cloud.pointCount());
        for (std::size_t i = 0; i < r.points.size(); ++i)
            if (const std::int32_t pillar = r.pillars.pointToPillar[i]; pillar >= 0)
                groups.push_back(r.layerGroups[static_cast<std::size_t>(layer) * pillarCount + static_cast<std::size_t>(pillar)]);
        cloud.attributes.push_back({"group, layer " + std::to_string(layer) + " (" + layerKindName(r.kindOf(layer)) + ")", 1, std::move(groups)});
    }
    return cloud;
}

Table flatteningTable(const FlatFormerRunResult& r)
{
    const std::size_t pillarCount = r.pillars.coords.size();
    std::string kinds;
    for (const LayerKind kind : r.cycle)
        kinds += (kinds.empty() ? "" : ", ") + layerKindName(kind);
    char locality[96];
    std::snprintf(locality, sizeof locality, "%.2f m RMS radius, %.2f m box diagonal", r.shownLocality.rmsRadiusM,
                  r.shownLocality.boxDiagonalM);
    Table summary{{"quantity", "value"}, {}};
    summary.rows = {{"points read", std::to_string(r.points.size())},
                    {"dropped: not finite", std::to_string(r.pillars.droppedNonFinite)},
                    {"dropped: outside the range", std::to_string(r.pillars.droppedOutOfRange)},
                    {"pillars", std::to_string(pillarCount)},
                    {"grid", std::to_string(r.pillars.grid.nx) + " × " + std::to_string(r.pillars.grid.ny)},
                    {"order", r.order},
                    {"layers", std::to_string(r.layers) + " (cycling through " + kinds + ")"},
                    {"groups per layer", std::to_string(r.shownGrouping.groupCount()) + " of " + std::to_string(r.groupSize)},
                    {"padding slots (repeated tokens)", std::to_string(r.shownGrouping.slotToOrder.size() - pillarCount)},
                    {"attention", attentionName(r.attention)},
                    {"attention core precision", r.precision == AttentionPrecision::Fp16 ? "fp16 q, k, v; fp32 accumulation" : "fp32"},
                    {"weights", r.weightsSource},
                    {"layers ran on", r.layersRanOn},
                    {"surface (synthetic scans)", "0 ground, 1 car, 2 building, 3 pole"},
                    {"shown layer", std::to_string(r.shownLayer) + " (" + layerKindName(r.kindOf(r.shownLayer)) + ")"},
                    {"shown layer's groups (mean over groups)", locality}};
    if (r.attention == AttentionKind::PaddedWindows)
        summary.rows.push_back({"padded windows: windows / padded tokens",
                                std::to_string(r.paddedStats.windows) + " / " + std::to_string(r.paddedStats.paddedTokens)});
    return summary;
}

void addBaselineComparison(const FlatFormerRunResult& r, std::vector<Dataset>& datasets)
{
    if (r.baselineMs.empty())
        return;
    Series bars{"attention on the shown layer's input (CPU, same weights)", {}, {{"ms", 1, {}}}, SeriesStyle::Bars, {}};
    Table table{{"attention", "ms", "vs flattened"}, {}};
    for (const auto& [name, ms] : r.baselineMs) {
        bars.x.push_back(static_cast<float>(bars.x.size()));
        bars.curves[0].values.push_back(static_cast<float>(ms));
        bars.xTicks.push_back(name);
        char ratio[32], value[32];
        std::snprintf(ratio, sizeof ratio, "%.2f×", ms / r.baselineMs.front().second);
        std::snprintf(value, sizeof value, "%.2f", ms);
        table.rows.push_back({name, value, ratio});
    }
    datasets.push_back({"attention comparison", std::move(bars)});
    datasets.push_back({"attention comparison table", std::move(table)});
}

void addOrderComparison(const FlatFormerRunResult& r, std::vector<Dataset>& datasets)
{
    if (r.orderComparison.empty())
        return;
    Series extent{"group extent per order (mean over groups, shown layer's input)", {}, {{"RMS radius m", 1, {}}}, SeriesStyle::Bars, {}};
    Series latency{"sort and attention per order (CPU, shown layer's input)", {}, {{"sort ms", 1, {}}, {"attention ms", 1, {}}},
                   SeriesStyle::Bars, {}};
    Table table{{"order", "sort ms", "attention ms", "RMS radius m", "box diagonal m"}, {}};
    auto format = [](double value) {
        char text[32];
        std::snprintf(text, sizeof text, "%.2f", value);
        return std::string(text);
    };
    for (const auto& o : r.orderComparison) {
        const auto x = static_cast<float>(extent.x.size());
        extent.x.push_back(x);
        extent.curves[0].values.push_back(static_cast<float>(o.locality.rmsRadiusM));
        std::string tick = o.name; // short enough to stay legible under a bar
        if (const auto at = tick.find(" transposed"); at != std::string::npos)
            tick.replace(at, std::string(" transposed").size(), " tr.");
        extent.xTicks.push_back(tick);
        latency.x.push_back(x);
        latency.curves[0].values.push_back(static_cast<float>(o.sortMs));
        latency.curves[1].values.push_back(static_cast<float>(o.attentionMs));
        latency.xTicks.push_back(tick);
        table.rows.push_back({o.name, format(o.sortMs), format(o.attentionMs), format(o.locality.rmsRadiusM), format(o.locality.boxDiagonalM)});
    }
    datasets.push_back({"order comparison", std::move(extent)});
    datasets.push_back({"order latency", std::move(latency)});
    datasets.push_back({"order comparison table", std::move(table)});
}

} // namespace

std::vector<Dataset> flatFormerDatasets(FlatFormerRunResult&& r)
{
    const int pillarCount = static_cast<int>(r.pillars.coords.size());
    std::vector<Dataset> datasets;
    datasets.push_back({kPointsDataset, pointsDataset(r, pillarViews(r))});
    datasets.push_back({"flattening", flatteningTable(r)});
    addBaselineComparison(r, datasets);
    addOrderComparison(r, datasets);

    // For comparing with other implementations on the same input (`run --out` writes .npy); the
    // indices are floats, exact below 2^24 pillars.
    Grid coords{pillarCount, 2, 1, {}, "pillar cell", "x, y", "pillar"};
    for (int p = 0; p < pillarCount; ++p)
        coords.values.insert(coords.values.end(), {static_cast<float>(r.pillars.coords.x[p]), static_cast<float>(r.pillars.coords.y[p])});
    datasets.push_back({kPillarCoordsDataset, std::move(coords)});
    datasets.push_back({"flattened order", Grid{r.layers, pillarCount, 1, std::move(r.layerOrders), "pillar index", "position in the order", "layer"}});
    datasets.push_back({"group ids", Grid{r.layers, pillarCount, 1, std::move(r.layerGroups), "group", "pillar", "layer"}});
    datasets.push_back({"pillar features", Grid{pillarCount, r.channels, 1, std::move(r.features), "", "channel", "pillar"}});

    // What picking needs: the shown layer's groups (pillar in each slot) and each pillar's attention.
    if (!r.shownAttention.empty()) {
        const auto& grouping = r.shownGrouping;
        Grid members{static_cast<int>(grouping.groupCount()), r.groupSize, 1, {}, "pillar index", "slot", "group"};
        members.values.reserve(grouping.slotToOrder.size());
        for (const std::int32_t position : grouping.slotToOrder)
            members.values.push_back(static_cast<float>(r.shownOrder[position]));
        datasets.push_back({kGroupMembersDataset, std::move(members)});
        datasets.push_back({kAttentionWeightsDataset,
                            Grid{pillarCount, r.groupSize, 1, std::move(r.shownAttention), "weight", "slot in the group", "pillar"}});
    }
    return datasets;
}

} // namespace ls::pointcloud
