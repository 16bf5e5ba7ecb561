#include "FlatFormerLayer.h"

#include "engine/core/CounterRng.h"
#include "engine/core/Error.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

namespace ls::pointcloud {

// y[n, out] = x[n, in] · Wᵀ + b, with W [out, in] (the PyTorch Linear layout); Eigen's GEMM.
void linear(const float* x, std::size_t rows, int in, const float* weight, const float* bias, int out, float* y)
{
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const RowMajor> input(x, static_cast<Eigen::Index>(rows), in);
    const Eigen::Map<const RowMajor> w(weight, out, in);
    const Eigen::Map<const Eigen::RowVectorXf> b(bias, out);
    Eigen::Map<RowMajor> output(y, static_cast<Eigen::Index>(rows), out);
    output.noalias() = input * w.transpose();
    output.rowwise() += b;
}

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using HeadView = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>; // one head's columns of the slot rows

// Scaled dot-product scores of one group and head, turned into attention weights row by row.
void attentionScores(const HeadView& q, const HeadView& k, float scale, RowMajor& scores)
{
    scores.noalias() = q * k.transpose() * scale;
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
        auto row = scores.row(i);
        row = (row.array() - row.maxCoeff()).exp();
        row /= row.sum();
    }
}

void layerNorm(float* x, std::size_t rows, int channels, const std::vector<float>& scale, const std::vector<float>& bias)
{
    constexpr float kEpsilon = 1e-5f; // PyTorch's default
    for (std::size_t r = 0; r < rows; ++r) {
        float* v = x + r * channels;
        double mean = 0, variance = 0;
        for (int c = 0; c < channels; ++c)
            mean += v[c];
        mean /= channels;
        for (int c = 0; c < channels; ++c)
            variance += (v[c] - mean) * (v[c] - mean);
        variance /= channels;
        const float inverse = 1.0f / std::sqrt(static_cast<float>(variance) + kEpsilon);
        for (int c = 0; c < channels; ++c)
            v[c] = (v[c] - static_cast<float>(mean)) * inverse * scale[c] + bias[c];
    }
}

float gelu(float x) // the exact (erf) form, PyTorch's default
{
    return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
}

std::vector<float> xavier(int out, int in, std::uint64_t seed, std::uint64_t stream)
{
    const float bound = std::sqrt(6.0f / static_cast<float>(in + out));
    std::vector<float> w(static_cast<std::size_t>(out) * in);
    for (std::size_t i = 0; i < w.size(); ++i)
        w[i] = (2.0f * rng::uniform(seed, i, static_cast<std::uint32_t>(stream)) - 1.0f) * bound;
    return w;
}

} // namespace

LayerWeights randomLayerWeights(int channels, int heads, std::uint64_t seed)
{
    if (channels < 1 || heads < 1 || channels % heads != 0)
        throw ArgumentError("channels (" + std::to_string(channels) + ") must be a positive multiple of heads (" +
                            std::to_string(heads) + ")");
    LayerWeights w;
    w.channels = channels;
    w.heads = heads;
    w.inProjection = xavier(3 * channels, channels, seed, 1);
    w.inBias.assign(3 * channels, 0.0f);
    w.outProjection = xavier(channels, channels, seed, 2);
    w.outBias.assign(channels, 0.0f);
    w.fc1 = xavier(2 * channels, channels, seed, 3);
    w.fc1Bias.assign(2 * channels, 0.0f);
    w.fc2 = xavier(channels, 2 * channels, seed, 4);
    w.fc2Bias.assign(channels, 0.0f);
    w.norm1Scale.assign(channels, 1.0f);
    w.norm1Bias.assign(channels, 0.0f);
    w.norm2Scale.assign(channels, 1.0f);
    w.norm2Bias.assign(channels, 0.0f);
    return w;
}

std::vector<float> positionalEncoding(const PillarCoords& pillars, int channels, double temperature)
{
    const int length = channels / 4 * 2; // frequencies per axis
    std::vector<float> pe(pillars.size() * static_cast<std::size_t>(channels), 0.0f);
    for (std::size_t p = 0; p < pillars.size(); ++p) {
        float* row = pe.data() + p * channels;
        const double coordinate[2] = {static_cast<double>(pillars.x[p]), static_cast<double>(pillars.y[p])};
        for (int axis = 0; axis < 2; ++axis)
            for (int m = 0; m < length / 2; ++m) {
                const double angle = coordinate[axis] / std::pow(temperature, 2.0 * m / length);
                row[axis * length + 2 * m] = static_cast<float>(std::sin(angle));
                row[axis * length + 2 * m + 1] = static_cast<float>(std::cos(angle));
            }
    }
    return pe;
}

SlotProjections projectSlots(const std::vector<float>& features, const std::vector<float>& pe, const std::vector<std::int32_t>& order,
                             const Grouping& grouping, const LayerWeights& weights)
{
    const int C = weights.channels;
    const std::size_t pillars = order.size(), slots = grouping.slotToOrder.size();
    if (features.size() != pillars * C || pe.size() != pillars * C)
        throw ArgumentError("features and pe must be [" + std::to_string(pillars) + ", " + std::to_string(C) + "]");
    // Gather the slots: the pillar each slot holds, its features and features + pe (queries, keys).
    std::vector<float> slotX(slots * C), slotQK(slots * C);
    for (std::size_t s = 0; s < slots; ++s) {
        const std::size_t pillar = static_cast<std::size_t>(order[grouping.slotToOrder[s]]);
        for (int c = 0; c < C; ++c) {
            slotX[s * C + c] = features[pillar * C + c];
            slotQK[s * C + c] = features[pillar * C + c] + pe[pillar * C + c];
        }
    }
    SlotProjections projected{std::vector<float>(slots * C), std::vector<float>(slots * C), std::vector<float>(slots * C)};
    linear(slotQK.data(), slots, C, weights.inProjection.data(), weights.inBias.data(), C, projected.q.data());
    linear(slotQK.data(), slots, C, weights.inProjection.data() + C * C, weights.inBias.data() + C, C, projected.k.data());
    linear(slotX.data(), slots, C, weights.inProjection.data() + 2 * C * C, weights.inBias.data() + 2 * C, C, projected.v.data());
    return projected;
}

std::vector<float> attendGroupsCpu(const std::vector<float>& features, const std::vector<float>& pe, const std::vector<std::int32_t>& order,
                                   const Grouping& grouping, const LayerWeights& weights, const AttentionCore& core)
{
    const int C = weights.channels, H = weights.heads, D = C / H, G = grouping.groupSize;
    const std::size_t slots = grouping.slotToOrder.size();
    auto [q, k, v] = projectSlots(features, pe, order, grouping, weights);
    std::vector<float> headOutputs(slots * C);

    // Softmax(q·kᵀ/√d)·v per group and head, as small GEMMs on strided views of the slot rows.
    using HeadOut = Eigen::Map<RowMajor, 0, Eigen::OuterStride<>>;
    if (core) {
        headOutputs = core(q, k, v, G, C, H);
        std::vector<float> attended(slots * C);
        linear(headOutputs.data(), slots, C, weights.outProjection.data(), weights.outBias.data(), C, attended.data());
        return attended;
    }
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    RowMajor scores(G, G);
    for (std::size_t g = 0; g < grouping.groupCount(); ++g)
        for (int h = 0; h < H; ++h) {
            const std::size_t offset = g * G * C + static_cast<std::size_t>(h) * D;
            const HeadView qh(q.data() + offset, G, D, Eigen::OuterStride<>(C));
            const HeadView kh(k.data() + offset, G, D, Eigen::OuterStride<>(C));
            const HeadView vh(v.data() + offset, G, D, Eigen::OuterStride<>(C));
            attentionScores(qh, kh, scale, scores);
            HeadOut out(headOutputs.data() + offset, G, D, Eigen::OuterStride<>(C));
            out.noalias() = scores * vh;
        }
    std::vector<float> attended(slots * C);
    linear(headOutputs.data(), slots, C, weights.outProjection.data(), weights.outBias.data(), C, attended.data());
    return attended;
}

std::vector<float> groupAttentionWeights(const std::vector<float>& features, const std::vector<float>& pe,
                                         const std::vector<std::int32_t>& order, const Grouping& grouping, const LayerWeights& weights)
{
    const int C = weights.channels, H = weights.heads, D = C / H, G = grouping.groupSize;
    const auto projected = projectSlots(features, pe, order, grouping, weights);
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    std::vector<float> slotWeights(grouping.slotToOrder.size() * G, 0.0f); // [slots, G], head mean
    RowMajor scores(G, G);
    for (std::size_t g = 0; g < grouping.groupCount(); ++g)
        for (int h = 0; h < H; ++h) {
            const std::size_t offset = g * G * C + static_cast<std::size_t>(h) * D;
            const HeadView qh(projected.q.data() + offset, G, D, Eigen::OuterStride<>(C));
            const HeadView kh(projected.k.data() + offset, G, D, Eigen::OuterStride<>(C));
            attentionScores(qh, kh, scale, scores);
            for (int i = 0; i < G; ++i) {
                float* mean = slotWeights.data() + (g * G + i) * G;
                for (int j = 0; j < G; ++j)
                    mean[j] += scores(i, j) / static_cast<float>(H);
            }
        }
    // Each pillar keeps its own slot's row.
    std::vector<float> pillarWeights(order.size() * G);
    for (std::size_t position = 0; position < order.size(); ++position)
        std::copy_n(slotWeights.data() + static_cast<std::size_t>(grouping.orderToSlot[position]) * G, G,
                    pillarWeights.data() + static_cast<std::size_t>(order[position]) * G);
    return pillarWeights;
}

void scatterResidual(std::vector<float>& features, const std::vector<float>& attendedSlots, const std::vector<std::int32_t>& order,
                     const Grouping& grouping, int channels)
{
    // Each token reads its own slot only: padding copies are never written back.
    for (std::size_t position = 0; position < order.size(); ++position) {
        const std::size_t pillar = static_cast<std::size_t>(order[position]), slot = grouping.orderToSlot[position];
        for (int c = 0; c < channels; ++c)
            features[pillar * channels + c] += attendedSlots[slot * channels + c];
    }
}

void feedForwardCpu(std::vector<float>& features, const LayerWeights& weights)
{
    const int C = weights.channels;
    const std::size_t pillars = features.size() / C;
    layerNorm(features.data(), pillars, C, weights.norm1Scale, weights.norm1Bias);
    std::vector<float> hidden(pillars * 2 * C), projected(pillars * C);
    linear(features.data(), pillars, C, weights.fc1.data(), weights.fc1Bias.data(), 2 * C, hidden.data());
    for (auto& value : hidden)
        value = gelu(value);
    linear(hidden.data(), pillars, 2 * C, weights.fc2.data(), weights.fc2Bias.data(), C, projected.data());
    for (std::size_t i = 0; i < features.size(); ++i)
        features[i] += projected[i];
    layerNorm(features.data(), pillars, C, weights.norm2Scale, weights.norm2Bias);
}

void flatFormerLayerCpu(std::vector<float>& features, const std::vector<float>& pe, const std::vector<std::int32_t>& order,
                        const Grouping& grouping, const LayerWeights& weights)
{
    const auto attended = attendGroupsCpu(features, pe, order, grouping, weights);
    scatterResidual(features, attended, order, grouping, weights.channels);
    feedForwardCpu(features, weights);
}

} // namespace ls::pointcloud
