#include "FlatFormerSettings.h"

#include "LayerOrders.h"
#include "engine/core/Error.h"

namespace ls::pointcloud {

namespace {

constexpr AttentionKind kAttentionKinds[] = {AttentionKind::Flattened, AttentionKind::PaddedWindows, AttentionKind::Global};

AttentionKind attentionFrom(const std::string& name)
{
    for (const AttentionKind kind : kAttentionKinds)
        if (name == attentionName(kind))
            return kind;
    throw ArgumentError("attention: unknown choice '" + name + "'");
}

AttentionPrecision precisionFrom(const std::string& name)
{
    if (name == "fp32")
        return AttentionPrecision::Fp32;
    if (name == "fp16")
        return AttentionPrecision::Fp16;
    throw ArgumentError("precision: unknown choice '" + name + "'");
}

} // namespace

const char* attentionName(AttentionKind kind)
{
    switch (kind) {
    case AttentionKind::PaddedWindows:
        return "padded windows";
    case AttentionKind::Global:
        return "global";
    case AttentionKind::Flattened:
        break;
    }
    return "flattened";
}

std::vector<std::string> attentionChoices()
{
    std::vector<std::string> names;
    for (const AttentionKind kind : kAttentionKinds)
        names.emplace_back(attentionName(kind));
    return names;
}

FlatFormerSettings readFlatFormerSettings(const ParameterValues& parameters)
{
    FlatFormerSettings s;
    s.seed = static_cast<std::uint64_t>(intParameter(parameters, "seed"));
    s.pointsFile = stringParameter(parameters, "points");
    s.weightsFile = stringParameter(parameters, "weights");
    s.binChannels = static_cast<int>(intParameter(parameters, "binChannels"));
    s.beams = static_cast<int>(intParameter(parameters, "beams"));
    s.azimuthSteps = static_cast<int>(intParameter(parameters, "azimuthSteps"));
    s.pillarSizeM = static_cast<float>(floatParameter(parameters, "pillarSize"));
    s.channels = static_cast<int>(intParameter(parameters, "channels"));
    s.heads = static_cast<int>(intParameter(parameters, "heads"));
    s.layers = 4 * static_cast<int>(intParameter(parameters, "blocks"));
    s.groupSize = static_cast<int>(intParameter(parameters, "groupSize"));
    s.shownLayer = static_cast<int>(intParameter(parameters, "shownLayer"));
    s.windowEdge = static_cast<int>(intParameter(parameters, "window"));
    s.order = stringParameter(parameters, "order");
    s.cycle = orderCycle(s.order);
    s.attention = attentionFrom(stringParameter(parameters, "attention"));
    s.precision = precisionFrom(stringParameter(parameters, "precision"));
    s.compareBaselines = boolParameter(parameters, "compareBaselines");
    s.compareOrders = boolParameter(parameters, "compareOrders");
    s.attentionMaps = boolParameter(parameters, "attentionMaps");
    if (s.precision == AttentionPrecision::Fp16 && s.attention != AttentionKind::Flattened)
        throw ArgumentError("precision fp16 is offered for flattened attention; the baselines run in fp32");
    if (s.shownLayer >= s.layers)
        throw ArgumentError("shownLayer: " + std::to_string(s.shownLayer) + " is past the last layer (" + std::to_string(s.layers) + " layers)");
    if (s.channels % s.heads != 0)
        throw ArgumentError("channels (" + std::to_string(s.channels) + ") must be a multiple of heads (" + std::to_string(s.heads) + ")");
    return s;
}

} // namespace ls::pointcloud
