#include "FlatFormerEngine.h"

#include "FlatFormerLayer.h"
#include "Pillarization.h"
#include "PointFiles.h"
#include "SyntheticLidar.h"
#include "WindowAttention.h"
#if LS_HAS_CUDA
#include "FlattenedWindowsCuda.h"
#include "GroupAttentionCuda.h"
#endif

#include <cmath>
#include <cstdio>

namespace ls::pointcloud {

namespace {

// Wall time of each attention variant on the same input and weights (CPU); global only when small.
std::vector<std::pair<std::string, double>> timeAttentionVariants(const std::vector<float>& features, const std::vector<float>& pe,
                                                                  const Pillars& pillars, WindowShape window, int groupSize, LayerKind kind,
                                                                  const LayerWeights& weights, const LatencyRecorder& clock)
{
    std::vector<std::pair<std::string, double>> timings;
    double start = clock.nowUs();
    const auto order = flattenOrderCpu(pillars.coords, pillars.grid, window, kind);
    const auto grouping = groupEqualSize(std::vector<std::int32_t>(order.size(), 0), 1, groupSize);
    attendGroupsCpu(features, pe, order, grouping, weights);
    timings.emplace_back("flattened", (clock.nowUs() - start) / 1000.0);
    start = clock.nowUs();
    attendPaddedWindowsCpu(features, pe, pillars.coords, window, weights);
    timings.emplace_back("padded windows", (clock.nowUs() - start) / 1000.0);
    if (pillars.coords.size() <= kMaxGlobalAttentionTokens) {
        start = clock.nowUs();
        attendGloballyCpu(features, pe, weights);
        timings.emplace_back("global", (clock.nowUs() - start) / 1000.0);
    }
    return timings;
}

} // namespace

std::string FlatFormerEngine::description() const
{
    return "Point-cloud transformer layers of FlatFormer (CVPR 2023): pillars sorted window by window in snake order, cut into "
           "groups of equal size, self-attention inside each group; the sort axis alternates and windows shift between layers.";
}

ParameterSchema FlatFormerEngine::parameterSchema() const
{
    return {{
        {.key = "points", .label = "Points", .type = ParameterType::File, .defaultValue = std::string(),
         .help = "KITTI/nuScenes .bin, .npy [N, C≥3], .pcd or .ply; empty: a synthetic street scan (or the 'points' input array).",
         .fileFilter = "Point clouds (*.bin *.npy *.pcd *.ply);;All files (*)"},
        {.key = "binChannels", .label = ".bin values per point", .type = ParameterType::Int, .defaultValue = std::int64_t{4},
         .minimum = 3, .maximum = 16, .help = "4 for KITTI, 5 for nuScenes."},
        {.key = "beams", .label = "Synthetic beams", .type = ParameterType::Int, .defaultValue = std::int64_t{32}, .minimum = 1,
         .maximum = 256, .help = "Beams of the synthetic spinning LiDAR."},
        {.key = "azimuthSteps", .label = "Synthetic azimuth steps", .type = ParameterType::Int, .defaultValue = std::int64_t{1800},
         .minimum = 16, .maximum = 8192, .help = "Firings per revolution of the synthetic LiDAR."},
        {.key = "pillarSize", .label = "Pillar size", .type = ParameterType::Float, .defaultValue = 0.32, .minimum = 0.05,
         .maximum = 5, .units = "m", .help = "Pillar edge; the range is ±74.88 m (468 × 468 at 0.32 m)."},
        {.key = "window", .label = "Window", .type = ParameterType::Int, .defaultValue = std::int64_t{13}, .minimum = 2,
         .maximum = 64, .units = "pillars", .help = "Square window edge used for the sort."},
        {.key = "groupSize", .label = "Group size", .type = ParameterType::Int, .defaultValue = std::int64_t{144}, .minimum = 1,
         .maximum = 4096, .help = "Tokens per attention group (groups may cross windows)."},
        {.key = "channels", .label = "Channels", .type = ParameterType::Int, .defaultValue = std::int64_t{128}, .minimum = 8,
         .maximum = 512},
        {.key = "heads", .label = "Heads", .type = ParameterType::Int, .defaultValue = std::int64_t{8}, .minimum = 1, .maximum = 32},
        {.key = "blocks", .label = "Blocks", .type = ParameterType::Int, .defaultValue = std::int64_t{2}, .minimum = 1, .maximum = 8,
         .help = "Each block is four layers: x, x shifted, y, y shifted."},
        {.key = "shownLayer", .label = "Shown layer", .type = ParameterType::Int, .defaultValue = std::int64_t{0}, .minimum = 0,
         .maximum = 31, .help = "Whose windows, groups and flattened order colour the points (0 = first x layer)."},
        {.key = "attention", .label = "Attention", .type = ParameterType::Enum, .defaultValue = std::string("flattened"),
         .help = "flattened: FlatFormer's equal-size groups; padded windows: SST-style equal-shape windows padded to buckets "
                 "with masks (the baseline); global: all pillars at once (small clouds). Same weights and inputs.",
         .choices = {"flattened", "padded windows", "global"}},
        {.key = "compareBaselines", .label = "Compare baselines", .type = ParameterType::Bool, .defaultValue = false,
         .help = "Also time flattened, padded-window and (up to 8 192 pillars) global attention on the shown layer's input, "
                 "same weights: a bar chart and a table."},
        {.key = "seed", .label = "Seed", .type = ParameterType::Int, .defaultValue = std::int64_t{1}, .minimum = 0, .maximum = 9.0e15,
         .help = "Weights and the synthetic scene."},
    }};
}

std::vector<InputSpec> FlatFormerEngine::inputSpecs() const
{
    return {{.key = "points", .description = "points to use instead of the 'points' file: x, y, z[, intensity, ...]",
             .shape = "[N, C≥3] float32", .required = false}};
}

RunOutput FlatFormerEngine::run(const RunInputs& inputs, const ParameterValues& parameters, RunContext& context)
{
    auto& recorder = context.recorder();
    const auto seed = static_cast<std::uint64_t>(intParameter(parameters, "seed"));
    const int channels = static_cast<int>(intParameter(parameters, "channels")), heads = static_cast<int>(intParameter(parameters, "heads"));
    const int blocks = static_cast<int>(intParameter(parameters, "blocks")), groupSize = static_cast<int>(intParameter(parameters, "groupSize"));
    const int layers = 4 * blocks, shownLayer = static_cast<int>(intParameter(parameters, "shownLayer"));
    if (shownLayer >= layers)
        throw ArgumentError("shownLayer: " + std::to_string(shownLayer) + " is past the last layer (" + std::to_string(layers) + " layers)");
    if (channels % heads != 0)
        throw ArgumentError("channels (" + std::to_string(channels) + ") must be a multiple of heads (" + std::to_string(heads) + ")");
    const int windowEdge = static_cast<int>(intParameter(parameters, "window"));
    const WindowShape window{windowEdge, windowEdge};

    PointArray points;
    std::vector<std::int32_t> labels;
    {
        auto stage = recorder.stage("load");
        const std::string path = stringParameter(parameters, "points");
        if (const auto found = inputs.find("points"); found != inputs.end()) {
            found->second.requireShape({-1, -1}, "input 'points'");
            points.channels = static_cast<int>(found->second.shape[1]);
            if (points.channels < 3)
                throw ArgumentError("input 'points' needs at least 3 columns (x, y, z)");
            const auto values = found->second.view<float>("input 'points'");
            points.values.assign(values.begin(), values.end());
        } else if (!path.empty()) {
            points = readPointFile(path, static_cast<int>(intParameter(parameters, "binChannels")));
        } else {
            LidarScanSpec spec;
            spec.beams = static_cast<int>(intParameter(parameters, "beams"));
            spec.azimuthSteps = static_cast<int>(intParameter(parameters, "azimuthSteps"));
            spec.seed = seed;
            LidarScan scan = scanStreetScene(spec);
            points.values = std::move(scan.points);
            points.channels = 4;
            labels = std::move(scan.labels);
        }
    }
    context.throwIfCancelled();

    PillarSpec pillarSpec;
    pillarSpec.pillarSizeM[0] = pillarSpec.pillarSizeM[1] = static_cast<float>(floatParameter(parameters, "pillarSize"));
    Pillars pillars;
    std::vector<float> features, pe;
    {
        auto stage = recorder.stage("voxelize");
        pillars = pillarize(points.values, points.channels, pillarSpec);
        features = encodePillars(points.values, points.channels, pillars, pillarSpec, channels, seed);
        pe = positionalEncoding(pillars.coords, channels);
    }
    const std::size_t pillarCount = pillars.coords.size();
    const std::string attention = stringParameter(parameters, "attention");
    if (attention == "global" && pillarCount > kMaxGlobalAttentionTokens)
        throw ArgumentError("attention 'global' is offered up to " + std::to_string(kMaxGlobalAttentionTokens) + " pillars; this cloud has " +
                            std::to_string(pillarCount) + " (use a larger pillar size or 'flattened')");
    PaddedWindowStats paddedStats;
    std::vector<std::pair<std::string, double>> baselineMs; // attention variant → ms on the shown layer

    // Every layer's flattened order and group of each pillar, for export ([layers, P] as float
    // grids: exact below 2^24 pillars), and the shown layer's, for the views.
    Grid orders{layers, static_cast<int>(pillarCount), 1, {}, "pillar index", "position in the order", "layer"};
    Grid groups{layers, static_cast<int>(pillarCount), 1, {}, "group", "pillar", "layer"};
    std::vector<std::int32_t> shownOrder;
    Grouping shownGrouping;
    std::size_t paddingSlots = 0;
    for (int layer = 0; layer < layers; ++layer) {
        context.throwIfCancelled();
        context.progress(static_cast<double>(layer) / layers, "layer " + std::to_string(layer + 1) + " of " + std::to_string(layers));
        const LayerKind kind = kBlockLayers[layer % 4];
        const LayerWeights weights = randomLayerWeights(channels, heads, seed * 1000 + static_cast<std::uint64_t>(layer));
        std::vector<std::int32_t> order;
        {
            auto stage = recorder.stage("sort");
#if LS_HAS_CUDA
            if (context.device().isCuda())
                order = flattenOrderCuda(pillars.coords, pillars.grid, window, kind, context.device().index, recorder);
            else
#endif
                order = flattenOrderCpu(pillars.coords, pillars.grid, window, kind);
        }
        Grouping grouping;
        {
            auto stage = recorder.stage("group");
            grouping = groupEqualSize(std::vector<std::int32_t>(pillarCount, 0), 1, groupSize); // one sample
        }
        std::vector<float> attended;
        {
            auto stage = recorder.stage("attention");
            AttentionCore core;
#if LS_HAS_CUDA
            if (context.device().isCuda()) // the projections stay on the CPU for now; the core runs on the GPU
                core = [&](const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v, int g, int c, int h) {
                    return groupAttentionCoreCuda(q, k, v, g, c, h, context.device().index, recorder);
                };
#endif
            if (attention == "flattened")
                attended = attendGroupsCpu(features, pe, order, grouping, weights, core);
            else if (attention == "padded windows")
                attended = attendPaddedWindowsCpu(features, pe, pillars.coords, window, weights, &paddedStats);
            else
                attended = attendGloballyCpu(features, pe, weights);
        }
        if (layer == shownLayer && boolParameter(parameters, "compareBaselines")) {
            auto stage = recorder.stage("baselines");
            baselineMs = timeAttentionVariants(features, pe, pillars, window, groupSize, kind, weights, recorder);
        }
        {
            auto stage = recorder.stage("scatter");
            if (attention == "flattened")
                scatterResidual(features, attended, order, grouping, channels);
            else // the baselines answer in pillar order already
                for (std::size_t i = 0; i < features.size(); ++i)
                    features[i] += attended[i];
        }
        {
            auto stage = recorder.stage("ffn");
            feedForwardCpu(features, weights);
        }
        for (std::size_t position = 0; position < order.size(); ++position)
            orders.values.push_back(static_cast<float>(order[position]));
        const std::size_t groupsStart = groups.values.size();
        groups.values.resize(groupsStart + pillarCount);
        for (std::size_t position = 0; position < order.size(); ++position)
            groups.values[groupsStart + static_cast<std::size_t>(order[position])] = static_cast<float>(grouping.orderToSlot[position] / groupSize);
        if (layer == shownLayer) {
            shownOrder = std::move(order);
            shownGrouping = std::move(grouping);
            paddingSlots = shownGrouping.slotToOrder.size() - pillarCount;
        }
    }

    RunOutput output;
    {
        auto stage = recorder.stage("outputs");
        // Per pillar: window id, group id and place in the shown layer's order; the output norm.
        const LayerKind kind = kBlockLayers[shownLayer % 4];
        std::vector<float> pillarWindow(pillarCount), pillarGroup(pillarCount), pillarPlace(pillarCount), pillarNorm(pillarCount);
        const int shift = kind.shifted ? windowEdge / 2 : 0;
        const int windowsX = (pillars.grid.nx + shift + windowEdge - 1) / windowEdge + 1;
        for (std::size_t position = 0; position < pillarCount; ++position) {
            const auto pillar = static_cast<std::size_t>(shownOrder[position]);
            const int wx = (pillars.coords.x[pillar] + shift) / windowEdge, wy = (pillars.coords.y[pillar] + shift) / windowEdge;
            pillarWindow[pillar] = static_cast<float>(wy * windowsX + wx);
            pillarGroup[pillar] = static_cast<float>(shownGrouping.orderToSlot[position] / groupSize);
            pillarPlace[pillar] = pillarCount > 1 ? static_cast<float>(position) / static_cast<float>(pillarCount - 1) : 0.0f;
        }
        for (std::size_t p = 0; p < pillarCount; ++p) {
            double sum = 0;
            for (int c = 0; c < channels; ++c)
                sum += static_cast<double>(features[p * channels + c]) * features[p * channels + c];
            pillarNorm[p] = static_cast<float>(std::sqrt(sum));
        }
        PointCloud cloud;
        std::vector<float> window_, group, place, norm, intensity, label;
        for (std::size_t i = 0; i < points.size(); ++i) {
            const std::int32_t pillar = pillars.pointToPillar[i];
            if (pillar < 0)
                continue;
            const float* p = points.values.data() + i * points.channels;
            cloud.positions.insert(cloud.positions.end(), {p[0], p[1], p[2]});
            window_.push_back(pillarWindow[pillar]);
            group.push_back(pillarGroup[pillar]);
            place.push_back(pillarPlace[pillar]);
            norm.push_back(pillarNorm[pillar]);
            intensity.push_back(points.channels > 3 ? p[3] : 0.0f);
            if (!labels.empty())
                label.push_back(static_cast<float>(labels[i]));
        }
        cloud.attributes = {{"flattened order", 1, std::move(place)}, {"group", 1, std::move(group)},
                            {"window", 1, std::move(window_)},   {"output norm", 1, std::move(norm)},
                            {"intensity", 1, std::move(intensity)}};
        if (!label.empty())
            cloud.attributes.push_back({"surface", 1, std::move(label)}); // 0 ground, 1 car, 2 building, 3 pole (in the table)
        output.datasets.push_back({"points", std::move(cloud)});
        Table summary{{"quantity", "value"}, {}};
        summary.rows = {{"points read", std::to_string(points.size())},
                        {"dropped: not finite", std::to_string(pillars.droppedNonFinite)},
                        {"dropped: outside the range", std::to_string(pillars.droppedOutOfRange)},
                        {"pillars", std::to_string(pillarCount)},
                        {"grid", std::to_string(pillars.grid.nx) + " × " + std::to_string(pillars.grid.ny)},
                        {"layers", std::to_string(layers) + " (x, x shifted, y, y shifted per block)"},
                        {"groups per layer", std::to_string(shownGrouping.groupCount()) + " of " + std::to_string(groupSize)},
                        {"padding slots (repeated tokens)", std::to_string(paddingSlots)},
                        {"attention", attention},
                        {"surface (synthetic scans)", "0 ground, 1 car, 2 building, 3 pole"},
                        {"shown layer", std::to_string(shownLayer) + " (" + (kind.axis == SortAxis::X ? "x" : "y") +
                                            (kind.shifted ? ", shifted" : "") + ")"}};
        if (attention == "padded windows")
            summary.rows.push_back({"padded windows: windows / padded tokens",
                                    std::to_string(paddedStats.windows) + " / " + std::to_string(paddedStats.paddedTokens)});
        output.datasets.push_back({"flattening", std::move(summary)});
        if (!baselineMs.empty()) {
            Series bars{"attention on the shown layer's input (CPU, same weights)", {}, {{"ms", 1, {}}}, SeriesStyle::Bars, {}};
            Table table{{"attention", "ms", "vs flattened"}, {}};
            for (const auto& [name, ms] : baselineMs) {
                bars.x.push_back(static_cast<float>(bars.x.size()));
                bars.curves[0].values.push_back(static_cast<float>(ms));
                bars.xTicks.push_back(name);
                char ratio[32];
                std::snprintf(ratio, sizeof ratio, "%.2f×", ms / baselineMs.front().second);
                char value[32];
                std::snprintf(value, sizeof value, "%.2f", ms);
                table.rows.push_back({name, value, ratio});
            }
            output.datasets.push_back({"attention comparison", std::move(bars)});
            output.datasets.push_back({"attention comparison table", std::move(table)});
        }
        // For comparing with other implementations on the same input (`run --out` writes .npy).
        Grid coords{static_cast<int>(pillarCount), 2, 1, {}, "pillar cell", "x, y", "pillar"};
        for (std::size_t p = 0; p < pillarCount; ++p)
            coords.values.insert(coords.values.end(), {static_cast<float>(pillars.coords.x[p]), static_cast<float>(pillars.coords.y[p])});
        output.datasets.push_back({"pillar coords", std::move(coords)});
        output.datasets.push_back({"flattened order", std::move(orders)});
        output.datasets.push_back({"group ids", std::move(groups)});
        output.datasets.push_back({"pillar features", Grid{static_cast<int>(pillarCount), channels, 1, features, "", "channel", "pillar"}});
    }
    context.progress(1.0, "done");
    return output;
}

std::vector<ReportSection> FlatFormerEngine::reportSections(const std::vector<Dataset>& datasets, const nlohmann::json&) const
{
    ReportSection section{"FlatFormer flattening", {}};
    for (const auto& dataset : datasets) {
        if (const auto* table = std::get_if<Table>(&dataset.content))
            section.blocks.push_back(*table);
        else if (const auto* series = std::get_if<Series>(&dataset.content); series && dataset.name == "attention comparison")
            section.blocks.push_back(ReportPlot{"Attention on the same input and weights: flattened vs padded windows vs global", *series});
    }
    if (section.blocks.empty())
        return {};
    return {section};
}

} // namespace ls::pointcloud
