#include "GreyPng.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ls::rf {
namespace {
constexpr std::uint64_t kMaxPixels = std::uint64_t{1} << 26;
} // namespace

GreyImage readGreyPng(const std::filesystem::path& path)
{
    const std::vector<std::byte> bytes = readFileBytes(path);
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()))
        throw FormatError(path.string(), std::string("not a readable PNG (") + image.message + ")");
    // A header declares any size up to 10^6 × 10^6; spectra are a few hundred pixels a side, so
    // anything beyond 64 M pixels is refused before the buffer is allocated.
    if (static_cast<std::uint64_t>(image.width) * image.height > kMaxPixels) {
        const std::string size = std::to_string(image.width) + "×" + std::to_string(image.height);
        png_image_free(&image);
        throw FormatError(path.string(), "the PNG declares " + size + " pixels, more than the " + std::to_string(kMaxPixels) + " read");
    }
    image.format = PNG_FORMAT_GRAY; // colour images are converted to luminance
    std::vector<std::uint8_t> pixels(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) {
        const std::string message = image.message;
        png_image_free(&image);
        throw FormatError(path.string(), "the PNG data is damaged (" + message + ")");
    }
    GreyImage grey{static_cast<int>(image.height), static_cast<int>(image.width), {}};
    grey.values.resize(pixels.size());
    std::transform(pixels.begin(), pixels.end(), grey.values.begin(), [](std::uint8_t b) { return b / 255.0f; });
    return grey;
}

void writeGreyPng(const std::filesystem::path& path, const GreyImage& image)
{
    std::vector<std::uint8_t> pixels(image.values.size());
    std::transform(image.values.begin(), image.values.end(), pixels.begin(),
                   [](float v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); });
    png_image png{};
    png.version = PNG_IMAGE_VERSION;
    png.width = static_cast<png_uint_32>(image.width);
    png.height = static_cast<png_uint_32>(image.height);
    png.format = PNG_FORMAT_GRAY;
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&png, nullptr, &size, 0, pixels.data(), 0, nullptr))
        throw FileError(path.string(), std::string("cannot encode PNG (") + png.message + ")");
    std::vector<std::uint8_t> encoded(size);
    if (!png_image_write_to_memory(&png, encoded.data(), &size, 0, pixels.data(), 0, nullptr))
        throw FileError(path.string(), std::string("cannot encode PNG (") + png.message + ")");
    encoded.resize(size);
    writeBytesAtomically(path, std::as_bytes(std::span(encoded)));
}

} // namespace ls::rf
