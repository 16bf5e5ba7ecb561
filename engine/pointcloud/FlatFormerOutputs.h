#pragma once
// The FlatFormer engine's datasets from one run: the points coloured by how they were flattened
// and grouped in the shown layer, the flattening table, the baseline comparison, and arrays to
// check other implementations against (pillar cells, every layer's order and groups, features),
// plus what picking a point needs (each pillar's attention over its group in the shown layer).
#include "FlatFormerSettings.h"
#include "FlattenedWindows.h"
#include "LayerOrders.h"
#include "Pillarization.h"
#include "PointFiles.h"
#include "WindowAttention.h"
#include "engine/core/Dataset.h"

#include <string>
#include <utility>
#include <vector>

namespace ls::pointcloud {

// Dataset names that describePick reads back from a run.
inline constexpr const char* kPointsDataset = "points";
inline constexpr const char* kAttentionWeightsDataset = "attention weights";
inline constexpr const char* kGroupMembersDataset = "group members";
inline constexpr const char* kPillarCoordsDataset = "pillar coords";

// One sort timed on the shown layer's input (compareOrders): sort, grouping and attention, and how
// local its groups are.
struct OrderComparison {
    std::string name;
    double sortMs = 0, attentionMs = 0;
    GroupLocality locality;
};

struct FlatFormerRunResult {
    PointArray points;
    std::vector<std::int32_t> surfaceLabels; // synthetic scans only
    Pillars pillars;
    int channels = 0, layers = 0, shownLayer = 0, windowEdge = 0, groupSize = 0;
    double pillarSizeM = 0.32;
    std::string order = kWindowSnakeOrder;        // the `order` choice
    std::vector<LayerKind> cycle{std::begin(kBlockLayers), std::end(kBlockLayers)}; // what layers cycle through
    LayerKind kindOf(int layer) const { return cycle[static_cast<std::size_t>(layer) % cycle.size()]; }
    AttentionKind attention = AttentionKind::Flattened;
    AttentionPrecision precision = AttentionPrecision::Fp32; // of the attention core
    std::string weightsSource;    // "seed 1" or the .npz path
    std::string layersRanOn;      // "CPU", or the GPU and how
    std::vector<float> features;  // [P, C] after the last layer
    std::vector<float> layerOrders, layerGroups; // [layers, P] each
    std::vector<std::int32_t> shownOrder;
    Grouping shownGrouping;
    std::vector<float> shownAttention; // [P, groupSize]; flattened attention only
    PaddedWindowStats paddedStats;
    std::vector<std::pair<std::string, double>> baselineMs; // attention variant → ms on the shown layer
    GroupLocality shownLocality;
    std::vector<OrderComparison> orderComparison;
};

std::vector<Dataset> flatFormerDatasets(FlatFormerRunResult&& result);

} // namespace ls::pointcloud
