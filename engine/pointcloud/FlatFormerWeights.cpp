#include "FlatFormerWeights.h"

#include "Pillarization.h"
#include "engine/core/Error.h"
#include "engine/core/Npz.h"

#include <cmath>
#include <set>
#include <string>

namespace ls::pointcloud {

namespace {

// One layer's tensors by state-dict suffix, with their shapes in units of C.
struct TensorSlot {
    const char* suffix;
    int rowsPerC, colsPerC; // colsPerC 0: a vector
    std::vector<float> LayerWeights::*member;
};

constexpr TensorSlot kLayerTensors[] = {
    {"self_attn.in_proj_weight", 3, 1, &LayerWeights::inProjection},
    {"self_attn.in_proj_bias", 3, 0, &LayerWeights::inBias},
    {"self_attn.out_proj.weight", 1, 1, &LayerWeights::outProjection},
    {"self_attn.out_proj.bias", 1, 0, &LayerWeights::outBias},
    {"linear1.weight", 2, 1, &LayerWeights::fc1},
    {"linear1.bias", 2, 0, &LayerWeights::fc1Bias},
    {"linear2.weight", 1, 2, &LayerWeights::fc2},
    {"linear2.bias", 1, 0, &LayerWeights::fc2Bias},
    {"norm1.weight", 1, 0, &LayerWeights::norm1Scale},
    {"norm1.bias", 1, 0, &LayerWeights::norm1Bias},
    {"norm2.weight", 1, 0, &LayerWeights::norm2Scale},
    {"norm2.bias", 1, 0, &LayerWeights::norm2Bias},
};

std::string layerTensorName(int layer, const char* suffix)
{
    return "layers." + std::to_string(layer) + "." + suffix;
}

std::vector<std::int64_t> slotShape(const TensorSlot& slot, int channels)
{
    if (slot.colsPerC == 0)
        return {std::int64_t{slot.rowsPerC} * channels};
    return {std::int64_t{slot.rowsPerC} * channels, std::int64_t{slot.colsPerC} * channels};
}

} // namespace

FlatFormerWeights randomFlatFormerWeights(int channels, int heads, int layers, std::uint64_t seed)
{
    FlatFormerWeights weights;
    weights.encoder = randomEncoderWeight(channels, seed);
    for (int layer = 0; layer < layers; ++layer)
        weights.layers.push_back(randomLayerWeights(channels, heads, seed * 1000 + static_cast<std::uint64_t>(layer)));
    return weights;
}

FlatFormerWeights readFlatFormerWeights(const std::filesystem::path& path, int heads)
{
    const NpzArchive archive = readNpz(path);
    const std::string file = path.string();
    std::set<std::string> unused;
    for (const auto& [name, array] : archive)
        unused.insert(name);
    auto take = [&](const std::string& name, const std::vector<std::int64_t>& shape) {
        const auto found = archive.find(name);
        if (found == archive.end())
            throw FormatError(file, "no tensor '" + name + "' " + shapeToString(shape) + " (docs/flatformer.md lists the names)");
        unused.erase(name);
        if (found->second.shape != shape)
            throw FormatError(file, "tensor '" + name + "' has shape " + shapeToString(found->second.shape) + ", expected " +
                                        shapeToString(shape));
        std::vector<float> values = found->second.toFloat();
        for (std::size_t i = 0; i < values.size(); ++i)
            if (!std::isfinite(values[i]))
                throw FormatError(file, "tensor '" + name + "' holds a non-finite value at flat index " + std::to_string(i));
        return values;
    };

    // C from the encoder, L from the highest layer index present.
    const auto encoder = archive.find("encoder.weight");
    if (encoder == archive.end() || encoder->second.shape.size() != 2 || encoder->second.shape[1] != kPointFeatures)
        throw FormatError(file, "needs 'encoder.weight' of shape (C, " + std::to_string(kPointFeatures) + ")");
    const int channels = static_cast<int>(encoder->second.shape[0]);
    if (channels < 1 || channels % heads != 0)
        throw FormatError(file, "its " + std::to_string(channels) + " channels are not a multiple of the " + std::to_string(heads) + " heads");
    int layerCount = 0;
    while (archive.count(layerTensorName(layerCount, kLayerTensors[0].suffix)))
        ++layerCount;
    if (layerCount == 0 || layerCount % 4 != 0)
        throw FormatError(file, "holds " + std::to_string(layerCount) + " layers; FlatFormer blocks have 4 (x, x shifted, y, y shifted)");

    FlatFormerWeights weights;
    weights.encoder = take("encoder.weight", {channels, kPointFeatures});
    for (int layer = 0; layer < layerCount; ++layer) {
        LayerWeights& w = weights.layers.emplace_back();
        w.channels = channels;
        w.heads = heads;
        for (const auto& slot : kLayerTensors)
            w.*slot.member = take(layerTensorName(layer, slot.suffix), slotShape(slot, channels));
    }
    if (!unused.empty())
        throw FormatError(file, "holds tensors FlatFormer does not use, e.g. '" + *unused.begin() + "' (a misspelt name?)");
    return weights;
}

void writeFlatFormerWeights(const std::filesystem::path& path, const FlatFormerWeights& weights)
{
    const int channels = weights.channels();
    NpzArchive archive;
    archive["encoder.weight"] = NpyArray::from<float>({channels, kPointFeatures}, weights.encoder);
    for (std::size_t layer = 0; layer < weights.layers.size(); ++layer)
        for (const auto& slot : kLayerTensors)
            archive[layerTensorName(static_cast<int>(layer), slot.suffix)] =
                NpyArray::from<float>(slotShape(slot, channels), weights.layers[layer].*slot.member);
    writeNpz(path, archive);
}

} // namespace ls::pointcloud
