#pragma once
// IDX files (the MNIST / Fashion-MNIST format): magic 0x0000 TT DD — TT the element type (0x08
// unsigned byte is the one these datasets use), DD the number of dimensions — then DD big-endian
// uint32 sizes, then the data in C order. Gzipped files (as Debian's dataset-fashion-mnist ships
// them) are read transparently. Errors name the file and what is wrong with it.
#include <cstdint>
#include <filesystem>
#include <vector>

namespace ls::consistency {

struct IdxArray {
    std::vector<std::uint32_t> shape;
    std::vector<std::uint8_t> values; // C order
};

IdxArray readIdx(const std::filesystem::path& path);

} // namespace ls::consistency
