#pragma once
// The FlatFormer engine's parameters, read once at the engine's boundary into types: the run
// itself never looks a parameter up by name, and a choice is an enum, so a misspelt one fails
// here with a message instead of quietly taking another branch deep inside.
#include "FlattenedWindows.h"
#include "GroupAttentionCuda.h"
#include "engine/core/Parameters.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ls::pointcloud {

enum class AttentionKind { Flattened, PaddedWindows, Global };

struct FlatFormerSettings {
    std::uint64_t seed = 1;
    std::string pointsFile, weightsFile; // empty: the synthetic scan, seeded weights
    int binChannels = 0, beams = 32, azimuthSteps = 1800;
    float pillarSizeM = 0.32f;
    int channels = 128, heads = 8, layers = 8, groupSize = 144, shownLayer = 0, windowEdge = 13;
    std::string order;           // the `order` choice, as named
    std::vector<LayerKind> cycle; // what the layers cycle through
    AttentionKind attention = AttentionKind::Flattened;
    AttentionPrecision precision = AttentionPrecision::Fp32;
    bool compareBaselines = false, compareOrders = false, attentionMaps = false;
};

// Reads and checks the values (the schema has validated each one's range): unknown choices, fp16
// with a baseline, a shown layer past the last, channels that heads do not divide.
FlatFormerSettings readFlatFormerSettings(const ParameterValues& parameters);

// The parameter's own names: "flattened", "padded windows", "global".
const char* attentionName(AttentionKind kind);
std::vector<std::string> attentionChoices();

} // namespace ls::pointcloud
