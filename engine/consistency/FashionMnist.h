#pragma once
// Fashion-MNIST (Xiao et al., 2017) from Debian's dataset-fashion-mnist package: 60 000 training
// and 10 000 test images of 28 × 28 grey pixels in ten clothing classes, as IDX files.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ls::consistency {

inline const std::filesystem::path kFashionMnistFolder = "/usr/share/datasets/fashion-mnist";
constexpr int kImageSide = 28, kImagePixels = kImageSide * kImageSide, kClasses = 10;

enum class Split { Train, Test };

struct ImageSet {
    std::vector<float> pixels;         // [N, 784], 0 (background) … 1
    std::vector<std::uint8_t> labels;  // [N], 0 … 9
    std::size_t size() const { return labels.size(); }
};

// Reads the split's images and labels (`limit` > 0 keeps the first `limit`); checks that their
// counts and shapes agree. A missing folder says which package to install.
ImageSet loadFashionMnist(Split split, std::size_t limit = 0, const std::filesystem::path& folder = kFashionMnistFolder);

const char* fashionMnistClassName(int label); // "T-shirt/top", "Trouser", …

} // namespace ls::consistency
