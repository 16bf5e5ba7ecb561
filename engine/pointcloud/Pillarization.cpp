#include "Pillarization.h"

#include "LayerKernels.h"
#include "engine/core/Error.h"
#include "engine/core/XavierUniform.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace ls::pointcloud {

GridShape PillarSpec::grid() const
{
    return {static_cast<int>(std::lround((rangeMaxM[0] - rangeMinM[0]) / pillarSizeM[0])),
            static_cast<int>(std::lround((rangeMaxM[1] - rangeMinM[1]) / pillarSizeM[1]))};
}

Pillars pillarize(std::span<const float> points, int pointChannels, const PillarSpec& spec)
{
    if (pointChannels < 3)
        throw ArgumentError("points need at least 3 channels (x, y, z), not " + std::to_string(pointChannels));
    if (points.size() % pointChannels != 0)
        throw ArgumentError("points hold " + std::to_string(points.size()) + " values, not a multiple of " + std::to_string(pointChannels));
    if (!(spec.pillarSizeM[0] > 0 && spec.pillarSizeM[1] > 0))
        throw ArgumentError("pillar size must be positive");
    Pillars pillars;
    pillars.grid = spec.grid();
    const std::size_t count = points.size() / pointChannels;
    pillars.pointToPillar.assign(count, -1);
    std::unordered_map<std::int64_t, std::int32_t> cells; // y·nx + x → pillar
    cells.reserve(std::min<std::size_t>(count, static_cast<std::size_t>(pillars.grid.nx) * pillars.grid.ny));
    for (std::size_t i = 0; i < count; ++i) {
        const float* p = points.data() + i * pointChannels;
        // x, y, z and the intensity (the 4th value, a feature of the encoder): one non-finite value
        // would make every pillar output non-finite through attention.
        if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || !std::isfinite(p[2]) || (pointChannels > 3 && !std::isfinite(p[3]))) {
            ++pillars.droppedNonFinite;
            continue;
        }
        const int x = static_cast<int>(std::floor((p[0] - spec.rangeMinM[0]) / spec.pillarSizeM[0]));
        const int y = static_cast<int>(std::floor((p[1] - spec.rangeMinM[1]) / spec.pillarSizeM[1]));
        if (x < 0 || y < 0 || x >= pillars.grid.nx || y >= pillars.grid.ny || p[2] < spec.rangeMinM[2] || p[2] >= spec.rangeMaxM[2]) {
            ++pillars.droppedOutOfRange;
            continue;
        }
        const auto [slot, added] = cells.try_emplace(static_cast<std::int64_t>(y) * pillars.grid.nx + x,
                                                     static_cast<std::int32_t>(pillars.coords.size()));
        if (added) {
            pillars.coords.sample.push_back(0);
            pillars.coords.x.push_back(x);
            pillars.coords.y.push_back(y);
        }
        pillars.pointToPillar[i] = slot->second;
    }
    return pillars;
}

std::vector<float> randomEncoderWeight(int channels, std::uint64_t seed)
{
    return rng::xavierUniform(channels, kPointFeatures, seed, 100);
}

std::vector<float> encodePillars(std::span<const float> points, int pointChannels, const Pillars& pillars, const PillarSpec& spec,
                                 std::span<const float> weight)
{
    const int channels = static_cast<int>(weight.size() / kPointFeatures);
    // ReLU outputs are ≥ 0, so 0 is the identity of the max-pool.
    std::vector<float> features(pillars.coords.size() * channels, 0.0f);
    // W·f for a batch of points at a time as one GEMM (LayerKernels.h), then the max-pool.
    constexpr std::size_t kBatch = 4096;
    const LayerKernels& kernels = layerKernels();
    const std::vector<float> noBias(static_cast<std::size_t>(channels), 0.0f);
    std::vector<float> inputs(kBatch * kPointFeatures), encoded(kBatch * channels);
    std::vector<std::int32_t> batchPillars(kBatch);
    std::size_t filled = 0;
    auto pool = [&] {
        kernels.linear(inputs.data(), filled, kPointFeatures, weight.data(), noBias.data(), channels, encoded.data());
        for (std::size_t b = 0; b < filled; ++b) {
            float* out = features.data() + static_cast<std::size_t>(batchPillars[b]) * channels;
            const float* e = encoded.data() + b * channels;
            for (int c = 0; c < channels; ++c)
                out[c] = std::max(out[c], e[c]);
        }
        filled = 0;
    };
    for (std::size_t i = 0; i < pillars.pointToPillar.size(); ++i) {
        const std::int32_t pillar = pillars.pointToPillar[i];
        if (pillar < 0)
            continue;
        const float* p = points.data() + i * pointChannels;
        const float centreX = spec.rangeMinM[0] + (pillars.coords.x[pillar] + 0.5f) * spec.pillarSizeM[0];
        const float centreY = spec.rangeMinM[1] + (pillars.coords.y[pillar] + 0.5f) * spec.pillarSizeM[1];
        const float f[kPointFeatures] = {p[0], p[1], p[2], pointChannels > 3 ? p[3] : 0.0f, p[0] - centreX, p[1] - centreY};
        std::copy_n(f, kPointFeatures, inputs.data() + filled * kPointFeatures);
        batchPillars[filled++] = pillar;
        if (filled == kBatch)
            pool();
    }
    if (filled > 0)
        pool();
    return features;
}

} // namespace ls::pointcloud
