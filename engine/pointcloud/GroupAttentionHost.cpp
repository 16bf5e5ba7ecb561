#include "GroupAttentionCuda.h"

#include "engine/core/Error.h"
#include "engine/core/Npy.h"

#include <cmath>

namespace ls::pointcloud {

namespace {

template <class Storage>
void attendAllQueries(const Storage* q, const Storage* k, const Storage* v, std::size_t groups, int groupSize, int channels, int heads,
                      const std::int32_t* groupKeys, float* out)
{
    const int headDim = channels / heads;
    const float scale = 1.0f / std::sqrt(static_cast<float>(headDim));
    for (std::size_t g = 0; g < groups; ++g)
        for (int h = 0; h < heads; ++h) {
            const std::size_t base = g * groupSize * channels + static_cast<std::size_t>(h) * headDim;
            for (int i = 0; i < groupSize; ++i)
                gpu::attendQuery(q + base + static_cast<std::size_t>(i) * channels, k + base, v + base,
                                 gpu::keysOfGroup(groupKeys, static_cast<long>(g), groupSize), headDim, channels,
                                 scale, out + base + static_cast<std::size_t>(i) * channels);
        }
}

} // namespace

void checkGroupKeys(std::span<const std::int32_t> groupKeys, std::size_t groups, int groupSize)
{
    if (groupKeys.empty())
        return;
    if (groupKeys.size() != groups)
        throw ArgumentError("groupKeys holds " + std::to_string(groupKeys.size()) + " counts for " + std::to_string(groups) + " groups");
    for (const std::int32_t keys : groupKeys)
        if (keys < 1 || keys > groupSize)
            throw ArgumentError("a group attends to 1 to " + std::to_string(groupSize) + " keys, not " + std::to_string(keys));
}

std::vector<gpu::HalfBits> toHalfBits(const std::vector<float>& values)
{
    std::vector<gpu::HalfBits> half(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        half[i].bits = floatToHalf(values[i]);
    return half;
}

std::vector<float> groupAttentionCoreOnHost(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                                            int groupSize, int channels, int heads, std::span<const std::int32_t> groupKeys,
                                            AttentionPrecision precision)
{
    if (channels % heads != 0 || channels / heads > gpu::kMaxHeadDim)
        throw ArgumentError("the attention core takes heads of at most " + std::to_string(gpu::kMaxHeadDim) + " channels");
    const std::size_t groups = q.size() / channels / groupSize;
    checkGroupKeys(groupKeys, groups, groupSize);
    const std::int32_t* keys = groupKeys.empty() ? nullptr : groupKeys.data();
    std::vector<float> out(q.size());
    if (precision == AttentionPrecision::Fp16)
        attendAllQueries(toHalfBits(q).data(), toHalfBits(k).data(), toHalfBits(v).data(), groups, groupSize, channels, heads, keys, out.data());
    else
        attendAllQueries(q.data(), k.data(), v.data(), groups, groupSize, channels, heads, keys, out.data());
    return out;
}

} // namespace ls::pointcloud
