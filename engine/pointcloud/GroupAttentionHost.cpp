#include "GroupAttentionCuda.h"
#include "GroupAttentionDevice.h"

#include "engine/core/Error.h"

#include <cmath>

namespace ls::pointcloud {

std::vector<float> groupAttentionCoreOnHost(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                                            int groupSize, int channels, int heads)
{
    const int headDim = channels / heads;
    if (headDim > gpu::kMaxHeadDim || channels % heads != 0)
        throw ArgumentError("the attention core takes heads of at most " + std::to_string(gpu::kMaxHeadDim) + " channels");
    const std::size_t slots = q.size() / channels, groups = slots / groupSize;
    std::vector<float> out(q.size());
    const float scale = 1.0f / std::sqrt(static_cast<float>(headDim));
    for (std::size_t g = 0; g < groups; ++g)
        for (int h = 0; h < heads; ++h) {
            const std::size_t base = g * groupSize * channels + static_cast<std::size_t>(h) * headDim;
            for (int i = 0; i < groupSize; ++i)
                gpu::attendQuery(q.data() + base + static_cast<std::size_t>(i) * channels, k.data() + base, v.data() + base, groupSize,
                                 headDim, channels, scale, out.data() + base + static_cast<std::size_t>(i) * channels);
        }
    return out;
}

} // namespace ls::pointcloud
