// FlatFormerEngine::describePick: the picked point's pillar, its group in the shown layer and the
// attention its pillar gives each member, read back from a run's datasets (FlatFormerOutputs.h).
#include "FlatFormerEngine.h"
#include "FlatFormerOutputs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

namespace ls::pointcloud {

namespace {

template <class T> const T* findDataset(const std::vector<Dataset>& datasets, const std::string& name)
{
    for (const auto& dataset : datasets)
        if (dataset.name == name)
            return std::get_if<T>(&dataset.content);
    return nullptr;
}

const Attribute* findAttribute(const PointCloud& cloud, const std::string& name)
{
    for (const auto& attribute : cloud.attributes)
        if (attribute.name == name && attribute.components == 1 && attribute.values.size() == cloud.pointCount())
            return &attribute;
    return nullptr;
}

std::string number(double value, const char* format = "%.4g")
{
    char text[48];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

} // namespace

std::optional<PickDetail> FlatFormerEngine::describePick(const std::vector<Dataset>& datasets, const std::string& cloudName,
                                                         std::size_t pointIndex) const
{
    const auto* cloud = findDataset<PointCloud>(datasets, cloudName);
    if (cloudName != kPointsDataset || !cloud || pointIndex >= cloud->pointCount())
        return std::nullopt;
    const Attribute* pillarOf = findAttribute(*cloud, "pillar");
    const Attribute* groupOf = findAttribute(*cloud, "group");
    if (!pillarOf || !groupOf) // a session from before picking existed
        return std::nullopt;
    const auto pillar = static_cast<std::size_t>(pillarOf->values[pointIndex]);
    const float group = groupOf->values[pointIndex];

    PickDetail detail;
    const auto* coords = findDataset<Grid>(datasets, kPillarCoordsDataset);
    std::string cell = "pillar " + std::to_string(pillar);
    if (coords && coords->width == 2 && pillar < static_cast<std::size_t>(coords->height))
        cell += " at cell (" + number(coords->values[2 * pillar]) + ", " + number(coords->values[2 * pillar + 1]) + ")";
    detail.title = cell + ", group " + number(group);
    detail.facts.emplace_back("point", std::to_string(pointIndex) + " of " + std::to_string(cloud->pointCount()));

    const auto* members = findDataset<Grid>(datasets, kGroupMembersDataset);
    const auto* weights = findDataset<Grid>(datasets, kAttentionWeightsDataset);
    const std::size_t groupIndex = static_cast<std::size_t>(group);
    if (!members || !weights || groupIndex >= static_cast<std::size_t>(members->height) || weights->width != members->width ||
        pillar >= static_cast<std::size_t>(weights->height)) {
        // Baseline attention runs keep no attention maps: highlight the group only.
        detail.valueLabel = "in the picked point's group";
        detail.pointValues.resize(cloud->pointCount(), std::numeric_limits<float>::quiet_NaN());
        for (std::size_t i = 0; i < cloud->pointCount(); ++i)
            if (groupOf->values[i] == group)
                detail.pointValues[i] = 1.0f;
        detail.facts.emplace_back("attention weights", "kept by flattened attention runs made in the studio, or with attentionMaps on");
        return detail;
    }

    // The weight the picked pillar gives each member; a pillar repeated by padding sums its slots.
    const int groupSize = members->width;
    const float* slots = members->values.data() + groupIndex * groupSize;
    const float* row = weights->values.data() + pillar * groupSize;
    std::map<std::size_t, float> weightOfPillar;
    for (int slot = 0; slot < groupSize; ++slot)
        weightOfPillar[static_cast<std::size_t>(slots[slot])] += row[slot];
    detail.profile.assign(row, row + groupSize);
    detail.profileLabel = "attention weight along the group's order (slots 0 to " + std::to_string(groupSize - 1) + ")";
    detail.valueLabel = "attention weight from the picked pillar";
    detail.pointValues.resize(cloud->pointCount(), std::numeric_limits<float>::quiet_NaN());
    std::size_t highlighted = 0;
    for (std::size_t i = 0; i < cloud->pointCount(); ++i)
        if (const auto found = weightOfPillar.find(static_cast<std::size_t>(pillarOf->values[i])); found != weightOfPillar.end()) {
            detail.pointValues[i] = found->second;
            ++highlighted;
        }

    // What the weights say: how spread they are, how much the pillar attends to itself, and how far
    // (in cells) the attention reaches.
    double entropy = 0, reach = 0;
    for (const auto& [member, weight] : weightOfPillar) {
        if (weight > 0)
            entropy -= weight * std::log(weight);
        if (coords && member < static_cast<std::size_t>(coords->height) && pillar < static_cast<std::size_t>(coords->height))
            reach += weight * std::hypot(coords->values[2 * member] - coords->values[2 * pillar],
                                         coords->values[2 * member + 1] - coords->values[2 * pillar + 1]);
    }
    const auto strongest = std::max_element(weightOfPillar.begin(), weightOfPillar.end(),
                                            [](const auto& a, const auto& b) { return a.second < b.second; });
    detail.facts.emplace_back("group members", std::to_string(weightOfPillar.size()) + " pillars in " + std::to_string(groupSize) +
                                                   " slots (" + std::to_string(highlighted) + " points)");
    detail.facts.emplace_back("weight on itself", number(weightOfPillar[pillar], "%.3f"));
    detail.facts.emplace_back("strongest member", "pillar " + std::to_string(strongest->first) + ": " + number(strongest->second, "%.3f"));
    detail.facts.emplace_back("effective members", number(std::exp(entropy), "%.1f") + " (exp of the entropy)");
    detail.facts.emplace_back("weighted reach", number(reach, "%.2f") + " cells");
    return detail;
}

} // namespace ls::pointcloud
