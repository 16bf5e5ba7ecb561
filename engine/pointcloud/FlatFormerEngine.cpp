#include "FlatFormerEngine.h"

#include "FlatFormerLayer.h"
#include "FlatFormerLayerRunner.h"
#include "FlatFormerOutputs.h"
#include "FlatFormerSettings.h"
#include "FlatFormerWeights.h"
#include "SyntheticLidar.h"
#if LS_HAS_CUDA
#include "FlattenedWindowsCuda.h"
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
    timings.emplace_back(attentionName(AttentionKind::Flattened), (clock.nowUs() - start) / 1000.0);
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

// Each sort kind on the same input and weights (CPU): sort, grouping and attention timed, and how
// local the groups are. FlatFormer's window orders beside PTv3's curves.
std::vector<OrderComparison> compareOrders(const std::vector<float>& features, const std::vector<float>& pe, const FlatFormerRunResult& r,
                                           const LayerWeights& weights, const LatencyRecorder& clock)
{
    const WindowShape window{r.windowEdge, r.windowEdge};
    std::vector<LayerKind> kinds(std::begin(kBlockLayers), std::end(kBlockLayers));
    for (const Curve curve : {Curve::ZOrder, Curve::Hilbert})
        for (const SortAxis axis : {SortAxis::X, SortAxis::Y})
            kinds.push_back({axis, false, curve});
    std::vector<OrderComparison> compared;
    for (const LayerKind kind : kinds) {
        OrderComparison o;
        o.name = layerKindName(kind);
        double start = clock.nowUs();
        const auto order = flattenOrderCpu(r.pillars.coords, r.pillars.grid, window, kind);
        const auto grouping = groupEqualSize(std::vector<std::int32_t>(order.size(), 0), 1, r.groupSize);
        o.sortMs = (clock.nowUs() - start) / 1000.0;
        start = clock.nowUs();
        attendGroupsCpu(features, pe, order, grouping, weights);
        o.attentionMs = (clock.nowUs() - start) / 1000.0;
        o.locality = groupLocality(order, grouping, r.pillars.coords, r.pillarSizeM);
        compared.push_back(std::move(o));
    }
    return compared;
}

void loadPoints(const RunInputs& inputs, const FlatFormerSettings& settings, FlatFormerRunResult& r)
{
    const std::string& path = settings.pointsFile;
    if (const auto found = inputs.find("points"); found != inputs.end()) {
        found->second.requireShape({-1, -1}, "input 'points'");
        r.points.channels = static_cast<int>(found->second.shape[1]);
        if (r.points.channels < 3)
            throw ArgumentError("input 'points' needs at least 3 columns (x, y, z)");
        const auto values = found->second.view<float>("input 'points'");
        r.points.values.assign(values.begin(), values.end());
    } else if (!path.empty()) {
        r.points = readPointFile(path, settings.binChannels);
    } else {
        LidarScanSpec spec;
        spec.beams = settings.beams;
        spec.azimuthSteps = settings.azimuthSteps;
        spec.seed = settings.seed;
        LidarScan scan = scanStreetScene(spec);
        r.points.values = std::move(scan.points);
        r.points.channels = 4;
        r.surfaceLabels = std::move(scan.labels);
    }
}

// Seeded, or from the 'weights' .npz, whose channels and layer count must match the parameters.
FlatFormerWeights loadWeights(const FlatFormerSettings& settings, std::string& source)
{
    const std::string& path = settings.weightsFile;
    const int channels = settings.channels, heads = settings.heads, layers = settings.layers;
    const std::uint64_t seed = settings.seed;
    if (path.empty()) {
        source = "seeded (seed " + std::to_string(seed) + ")";
        return randomFlatFormerWeights(channels, heads, layers, seed);
    }
    FlatFormerWeights weights = readFlatFormerWeights(path, heads);
    const int fileLayers = static_cast<int>(weights.layers.size());
    if (weights.channels() != channels || fileLayers != layers)
        throw ArgumentError(path + ": the weights have " + std::to_string(weights.channels()) + " channels and " +
                            std::to_string(fileLayers) + " layers; set channels = " + std::to_string(weights.channels()) +
                            " and blocks = " + std::to_string(fileLayers / 4) + " (now " + std::to_string(channels) + " and " +
                            std::to_string(layers / 4) + ")");
    source = path;
    return weights;
}

} // namespace

std::string FlatFormerEngine::description() const
{
    return "Point-cloud transformer layers of FlatFormer (CVPR 2023): pillars sorted window by window in snake order, cut into "
           "groups of equal size, self-attention inside each group; the sort axis alternates and windows shift between layers. "
           "Or Point Transformer V3's orders (CVPR 2024): the same groups along z-order or Hilbert curves.";
}

ParameterSchema FlatFormerEngine::parameterSchema() const
{
    return {{
        {.key = "points", .label = "Points", .type = ParameterType::File, .defaultValue = std::string(),
         .help = "KITTI/nuScenes .bin, .npy [N, C≥3], .pcd or .ply; empty: a synthetic street scan (or the 'points' input array).",
         .fileFilter = "Point clouds (*.bin *.npy *.pcd *.ply);;All files (*)"},
        {.key = "weights", .label = "Weights", .type = ParameterType::File, .defaultValue = std::string(),
         .help = "A .npz with PyTorch TransformerEncoderLayer names (docs/flatformer.md); empty: seeded Xavier weights.",
         .fileFilter = "NumPy archives (*.npz);;All files (*)"},
        {.key = "binChannels", .label = ".bin values per point", .type = ParameterType::Int, .defaultValue = std::int64_t{0},
         .minimum = 0, .maximum = 16,
         .help = "4 for KITTI, 5 for nuScenes; 0: from the file's name (.pcd.bin: nuScenes, a velodyne folder: KITTI) or, "
                 "failing that, its size when only one layout fits."},
        {.key = "beams", .label = "Synthetic beams", .type = ParameterType::Int, .defaultValue = std::int64_t{32}, .minimum = 1,
         .maximum = 256, .help = "Beams of the synthetic spinning LiDAR."},
        {.key = "azimuthSteps", .label = "Synthetic azimuth steps", .type = ParameterType::Int, .defaultValue = std::int64_t{1800},
         .minimum = 16, .maximum = 8192, .help = "Firings per revolution of the synthetic LiDAR."},
        {.key = "pillarSize", .label = "Pillar size", .type = ParameterType::Float, .defaultValue = 0.32, .minimum = 0.05,
         .maximum = 5, .units = "m", .help = "Pillar edge; the range is ±74.88 m (468 × 468 at 0.32 m)."},
        {.key = "order", .label = "Order", .type = ParameterType::Enum, .defaultValue = std::string(kWindowSnakeOrder),
         .help = "How pillars are sorted before they are cut into groups; layers cycle through the chosen sorts. Window snake: "
                 "FlatFormer's x, x shifted, y, y shifted. z-order and Hilbert: Point Transformer V3's space-filling curves over "
                 "the pillar grid (transposed: x and y swapped); PTv3 cycles through all four.",
         .choices = orderChoices()},
        {.key = "window", .label = "Window", .type = ParameterType::Int, .defaultValue = std::int64_t{13}, .minimum = 2,
         .maximum = 64, .units = "pillars", .help = "Square window edge used by the window snake sort."},
        {.key = "groupSize", .label = "Group size", .type = ParameterType::Int, .defaultValue = std::int64_t{144}, .minimum = 1,
         .maximum = 4096, .help = "Tokens per attention group (groups may cross windows)."},
        {.key = "channels", .label = "Channels", .type = ParameterType::Int, .defaultValue = std::int64_t{128}, .minimum = 8,
         .maximum = 512},
        {.key = "heads", .label = "Heads", .type = ParameterType::Int, .defaultValue = std::int64_t{8}, .minimum = 1, .maximum = 32},
        {.key = "blocks", .label = "Blocks", .type = ParameterType::Int, .defaultValue = std::int64_t{2}, .minimum = 1, .maximum = 8,
         .help = "Each block is four layers: x, x shifted, y, y shifted."},
        {.key = "shownLayer", .label = "Shown layer", .type = ParameterType::Int, .defaultValue = std::int64_t{0}, .minimum = 0,
         .maximum = 31, .help = "Whose windows, groups and flattened order colour the points (0 = the first layer)."},
        {.key = "attention", .label = "Attention", .type = ParameterType::Enum, .defaultValue = std::string(attentionName(AttentionKind::Flattened)),
         .help = "flattened: FlatFormer's equal-size groups; padded windows: SST-style equal-shape windows padded to buckets "
                 "with masks (the baseline); global: all pillars at once (small clouds). Same weights and inputs.",
         .choices = attentionChoices()},
        {.key = "precision", .label = "Precision", .type = ParameterType::Enum, .defaultValue = std::string("fp32"),
         .help = "Of the attention core (softmax(q·kᵀ/√d)·v): fp16 rounds q, k, v to half precision and accumulates in fp32 "
                 "(the CUDA kernel; on a CPU its body runs on the host, same numbers, slowly). Flattened attention only.",
         .choices = {"fp32", "fp16"}},
        {.key = "compareBaselines", .label = "Compare baselines", .type = ParameterType::Bool, .defaultValue = false,
         .help = "Also time flattened, padded-window and (up to 8 192 pillars) global attention on the shown layer's input, "
                 "same weights: a bar chart and a table."},
        {.key = "compareOrders", .label = "Compare orders", .type = ParameterType::Bool, .defaultValue = false,
         .help = "Also run every sort (window x, x shifted, y, y shifted; z-order, Hilbert and their transposes) on the shown "
                 "layer's input, same weights: sort and attention time, and how far each order's groups spread in space."},
        {.key = "attentionMaps", .label = "Keep attention maps", .type = ParameterType::Bool, .defaultValue = false,
         .help = "Keep what each pillar of the shown layer attends to, for picking a point. The studio always keeps them; "
                 "a command-line run only when this is on, since they cost about one more attention pass."},
        {.key = "seed", .label = "Seed", .type = ParameterType::Int, .defaultValue = std::int64_t{1}, .minimum = 0, .maximum = 9.0e15,
         .help = "Seeded weights (when no weights file) and the synthetic scene."},
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
    const FlatFormerSettings settings = readFlatFormerSettings(parameters);
    FlatFormerRunResult r;
    r.channels = settings.channels;
    r.layers = settings.layers;
    r.groupSize = settings.groupSize;
    r.shownLayer = settings.shownLayer;
    r.windowEdge = settings.windowEdge;
    r.order = settings.order;
    r.cycle = settings.cycle;
    r.attention = settings.attention;
    r.precision = settings.precision;
    const WindowShape window{r.windowEdge, r.windowEdge};

    FlatFormerWeights weights;
    {
        auto stage = recorder.stage("load");
        loadPoints(inputs, settings, r);
        weights = loadWeights(settings, r.weightsSource);
    }
    context.throwIfCancelled();

    PillarSpec pillarSpec;
    pillarSpec.pillarSizeM[0] = pillarSpec.pillarSizeM[1] = settings.pillarSizeM;
    r.pillarSizeM = pillarSpec.pillarSizeM[0];
    std::vector<float> pe;
    {
        auto stage = recorder.stage("voxelize");
        r.pillars = pillarize(r.points.values, r.points.channels, pillarSpec);
        r.features = encodePillars(r.points.values, r.points.channels, r.pillars, pillarSpec, weights.encoder);
        pe = positionalEncoding(r.pillars.coords, r.channels);
    }
    const std::size_t pillarCount = r.pillars.coords.size();
    if (r.attention == AttentionKind::Global && pillarCount > kMaxGlobalAttentionTokens)
        throw ArgumentError("attention 'global' is offered up to " + std::to_string(kMaxGlobalAttentionTokens) + " pillars; this cloud has " +
                            std::to_string(pillarCount) + " (use a larger pillar size or 'flattened')");

    const std::unique_ptr<LayerRunner> layers = makeLayerRunner(r, pe, context);
    r.layersRanOn = layers->where();
    r.layerOrders.reserve(static_cast<std::size_t>(r.layers) * pillarCount);
    r.layerGroups.assign(static_cast<std::size_t>(r.layers) * pillarCount, 0.0f);
    for (int layer = 0; layer < r.layers; ++layer) {
        context.throwIfCancelled();
        context.progress(static_cast<double>(layer) / r.layers, "layer " + std::to_string(layer + 1) + " of " + std::to_string(r.layers));
        const LayerKind kind = r.kindOf(layer);
        const LayerWeights& layerWeights = weights.layers[static_cast<std::size_t>(layer)];
        std::vector<std::int32_t> order;
        {
            auto stage = recorder.stage("sort");
#if LS_HAS_CUDA
            if (context.device().isCuda())
                order = flattenOrderCuda(r.pillars.coords, r.pillars.grid, window, kind, context.device().index, recorder);
            else
#endif
                order = flattenOrderCpu(r.pillars.coords, r.pillars.grid, window, kind);
        }
        Grouping grouping;
        {
            auto stage = recorder.stage("group");
            grouping = groupEqualSize(std::vector<std::int32_t>(pillarCount, 0), 1, r.groupSize); // one sample
        }
        const bool shown = layer == r.shownLayer;
        if (shown && r.attention == AttentionKind::Flattened && (context.publishes() || settings.attentionMaps)) {
            auto stage = recorder.stage("attention maps"); // for picking in the studio; not part of the layer
            r.shownAttention = groupAttentionWeights(layers->features(), pe, order, grouping, layerWeights);
        }
        {
            auto stage = recorder.stage("attention");
            layers->attend(order, grouping, layerWeights);
        }
        if (shown && settings.compareBaselines) {
            auto stage = recorder.stage("baselines");
            r.baselineMs = timeAttentionVariants(layers->features(), pe, r.pillars, window, r.groupSize, kind, layerWeights, recorder);
        }
        if (shown && settings.compareOrders) {
            auto stage = recorder.stage("order comparison");
            r.orderComparison = compareOrders(layers->features(), pe, r, layerWeights, recorder);
        }
        {
            auto stage = recorder.stage("scatter");
            layers->scatter();
        }
        {
            auto stage = recorder.stage("ffn");
            layers->feedForward(layerWeights);
        }
        float* groupsOfLayer = r.layerGroups.data() + static_cast<std::size_t>(layer) * pillarCount;
        for (std::size_t position = 0; position < order.size(); ++position) {
            r.layerOrders.push_back(static_cast<float>(order[position]));
            groupsOfLayer[order[position]] = static_cast<float>(grouping.orderToSlot[position] / r.groupSize);
        }
        if (shown) {
            r.shownLocality = groupLocality(order, grouping, r.pillars.coords, r.pillarSizeM);
            r.shownOrder = std::move(order);
            r.shownGrouping = std::move(grouping);
        }
    }

    RunOutput output;
    {
        auto stage = recorder.stage("outputs");
        r.features = std::vector<float>(layers->features()); // a copy: on the CPU path it is r.features itself
        output.datasets = flatFormerDatasets(std::move(r));
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
        else if (series && dataset.name == "order comparison")
            section.blocks.push_back(ReportPlot{"How far groups spread in space: FlatFormer's window orders vs PTv3's curves", *series});
    }
    if (section.blocks.empty())
        return {};
    return {section};
}

} // namespace ls::pointcloud
