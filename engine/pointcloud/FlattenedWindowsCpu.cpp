#include "FlattenedWindows.h"

#include "engine/core/Error.h"

#include <algorithm>
#include <numeric>

namespace ls::pointcloud {

std::vector<std::int32_t> flattenOrderCpu(const PillarCoords& pillars, GridShape grid, WindowShape window, LayerKind kind)
{
    const std::size_t count = pillars.size();
    std::vector<std::int64_t> keys(count);
    for (std::size_t i = 0; i < count; ++i)
        keys[i] = flattenKey(pillars.sample[i], pillars.x[i], pillars.y[i], grid, window, kind);
    std::vector<std::int32_t> order(count);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return keys[a] < keys[b]; });
    return order;
}

Grouping groupEqualSize(std::span<const std::int32_t> samplesInOrder, int sampleCount, int groupSize)
{
    if (groupSize < 1)
        throw ArgumentError("groupSize must be at least 1, not " + std::to_string(groupSize));
    Grouping grouping;
    grouping.groupSize = groupSize;
    grouping.orderToSlot.resize(samplesInOrder.size());
    grouping.sampleSlots.push_back(0);
    std::size_t begin = 0;
    for (int sample = 0; sample < sampleCount; ++sample) {
        std::size_t end = begin;
        while (end < samplesInOrder.size() && samplesInOrder[end] == sample)
            ++end;
        if (end < samplesInOrder.size() && samplesInOrder[end] < sample)
            throw ArgumentError("samples in the flattened order must not decrease (position " + std::to_string(end) + ")");
        const auto count = static_cast<std::int64_t>(end - begin);
        const std::int64_t padded = (count + groupSize - 1) / groupSize * groupSize;
        const std::int64_t firstSlot = grouping.sampleSlots.back();
        for (std::int64_t j = 0; j < padded; ++j) {
            // Real tokens first; a padding slot repeats the token one group earlier, or cycles
            // through the sample's tokens when it has fewer than one group.
            const std::int64_t source = j < count ? j : j - groupSize >= 0 ? j - groupSize : j % count;
            grouping.slotToOrder.push_back(static_cast<std::int32_t>(begin + source));
            if (j < count)
                grouping.orderToSlot[begin + j] = static_cast<std::int32_t>(firstSlot + j);
        }
        grouping.sampleSlots.push_back(firstSlot + padded);
        for (std::int64_t g = 0; g < padded / groupSize; ++g)
            grouping.groupKeys.push_back(static_cast<std::int32_t>(std::min<std::int64_t>(count, groupSize)));
        begin = end;
    }
    if (begin != samplesInOrder.size())
        throw ArgumentError("the flattened order holds samples beyond sampleCount (" + std::to_string(sampleCount) + ")");
    return grouping;
}

} // namespace ls::pointcloud
