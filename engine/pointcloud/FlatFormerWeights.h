#pragma once
// All of a FlatFormer stack's weights: the point encoder and every attention layer, seeded or read
// from a NumPy .npz whose tensor names are PyTorch's nn.TransformerEncoderLayer state-dict names
// (docs/flatformer.md shows how to write one from PyTorch):
//   encoder.weight                          [C, 6]   point encoder (x, y, z, intensity, dx, dy), no bias
//   layers.{i}.self_attn.in_proj_weight     [3C, C]  query, key, value rows
//   layers.{i}.self_attn.in_proj_bias       [3C]
//   layers.{i}.self_attn.out_proj.weight    [C, C]
//   layers.{i}.self_attn.out_proj.bias      [C]
//   layers.{i}.linear1.weight [2C, C], layers.{i}.linear1.bias [2C]
//   layers.{i}.linear2.weight [C, 2C], layers.{i}.linear2.bias [C]
//   layers.{i}.norm1.weight, .norm1.bias, .norm2.weight, .norm2.bias   [C] each
// for i = 0 … L−1 in the order x, x shifted, y, y shifted per block. float32 or float16.
#include "FlatFormerLayer.h"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace ls::pointcloud {

struct FlatFormerWeights {
    std::vector<float> encoder; // [C, kPointFeatures]
    std::vector<LayerWeights> layers;
    int channels() const { return layers.empty() ? 0 : layers.front().channels; }
};

// The engine's seeded weights (what a run with `seed` and no weights file uses).
FlatFormerWeights randomFlatFormerWeights(int channels, int heads, int layers, std::uint64_t seed);

// Reads the tensors above; C and L come from the file (L a multiple of 4). Missing or extra
// tensors, wrong shapes and non-finite values are FormatErrors naming the file and the tensor.
FlatFormerWeights readFlatFormerWeights(const std::filesystem::path& path, int heads);
void writeFlatFormerWeights(const std::filesystem::path& path, const FlatFormerWeights& weights); // atomic

} // namespace ls::pointcloud
