#include "IdxFiles.h"

#include "engine/core/Error.h"

#include <algorithm>
#include <memory>
#include <zlib.h>

namespace ls::consistency {

namespace {

constexpr std::uint8_t kUnsignedByte = 0x08;
constexpr int kMaxDimensions = 8;
constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 32; // 4 GiB of bytes: far above any IDX dataset

struct GzFileCloser {
    void operator()(gzFile_s* file) const { gzclose(file); }
};

} // namespace

IdxArray readIdx(const std::filesystem::path& path)
{
    const std::string name = path.string();
    std::unique_ptr<gzFile_s, GzFileCloser> file(gzopen(name.c_str(), "rb"));
    if (!file)
        throw FileError(name, "cannot open");
    auto readExactly = [&](void* into, std::size_t bytes, const std::string& what) {
        std::size_t done = 0;
        while (done < bytes) {
            const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(bytes - done, 1u << 30));
            const int got = gzread(file.get(), static_cast<char*>(into) + done, chunk);
            if (got < 0) {
                int code = 0;
                throw FormatError(name, "cannot decompress " + what + ": " + gzerror(file.get(), &code));
            }
            if (got == 0)
                throw FormatError(name, "truncated: " + what + " ends after " + std::to_string(done) + " of " + std::to_string(bytes) + " bytes");
            done += static_cast<std::size_t>(got);
        }
    };

    std::uint8_t magic[4];
    readExactly(magic, 4, "the magic number");
    if (magic[0] != 0 || magic[1] != 0)
        throw FormatError(name, "not an IDX file (the magic number must start with two zero bytes)");
    if (magic[2] != kUnsignedByte)
        throw FormatError(name, "element type 0x" + std::to_string(magic[2]) + " is not supported (unsigned bytes, 0x08, are)");
    const int dimensions = magic[3];
    if (dimensions < 1 || dimensions > kMaxDimensions)
        throw FormatError(name, std::to_string(dimensions) + " dimensions (1 to " + std::to_string(kMaxDimensions) + " expected)");

    IdxArray array;
    std::uint64_t elements = 1;
    for (int d = 0; d < dimensions; ++d) {
        std::uint8_t size[4];
        readExactly(size, 4, "the size of dimension " + std::to_string(d));
        const std::uint32_t value = (std::uint32_t{size[0]} << 24) | (std::uint32_t{size[1]} << 16) | (std::uint32_t{size[2]} << 8) | size[3];
        array.shape.push_back(value);
        elements *= value;
        if (elements > kMaxElements)
            throw FormatError(name, "declares more than 2^32 elements; not an IDX dataset this reader takes");
    }
    array.values.resize(static_cast<std::size_t>(elements));
    readExactly(array.values.data(), array.values.size(), "the data");
    char extra;
    if (gzread(file.get(), &extra, 1) > 0)
        throw FormatError(name, "has bytes after the declared data (the header's sizes are wrong)");
    return array;
}

} // namespace ls::consistency
