#pragma once
// 8-bit greyscale PNG files (the RFID spectra) through libpng's simplified API.
#include <filesystem>
#include <vector>

namespace ls::rf {

struct GreyImage {
    int height = 0, width = 0;
    std::vector<float> values; // [height, width], 0 … 1 (byte / 255)
};

GreyImage readGreyPng(const std::filesystem::path& path); // FileError / FormatError naming the file
// Values are clamped to [0, 1] and rounded to bytes; written atomically (temp file, then rename).
void writeGreyPng(const std::filesystem::path& path, const GreyImage& image);

} // namespace ls::rf
