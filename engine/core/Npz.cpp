#include "Npz.h"

#include "AtomicFile.h"
#include "Error.h"

#include <algorithm>
#include <memory>
#include <zip.h>
#include <zlib.h>

namespace ls {
namespace {

std::string zipErrorText(int code)
{
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string text = zip_error_strerror(&error);
    zip_error_fini(&error);
    return text;
}

struct ZipCloser {
    void operator()(zip_t* archive) const { zip_discard(archive); }
};
using ZipHandle = std::unique_ptr<zip_t, ZipCloser>;

// Deflate turns one compressed byte into at most 1032 bytes (a 258-byte match in under 2 bits);
// a member declaring more than that is a lie about its size, refused before any allocation.
constexpr std::uint64_t kDeflateMaxRatio = 1032;
constexpr std::size_t kReadChunk = std::size_t{1} << 24;

// Reads one member, growing the buffer only as data actually arrives (a declared size is not
// trusted for an allocation), then checks its length and CRC-32 against the directory's.
std::vector<std::byte> readMember(zip_file_t* file, const zip_stat_t& stat, const std::string& member)
{
    constexpr zip_uint64_t kNeeded = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_CRC;
    if ((stat.valid & kNeeded) != kNeeded)
        throw FormatError(member, "the archive does not record the member's sizes and CRC");
    const bool stored = stat.comp_method == ZIP_CM_STORE;
    if ((stored && stat.size != stat.comp_size) ||
        (!stored && stat.size > stat.comp_size * kDeflateMaxRatio + 1024))
        throw FormatError(member, "declares " + std::to_string(stat.size) + " bytes from " + std::to_string(stat.comp_size) +
                                      " compressed bytes, more than the compression can produce (corrupt or crafted)");
    std::vector<std::byte> bytes;
    while (bytes.size() < stat.size) {
        const std::size_t chunk = static_cast<std::size_t>(std::min<zip_uint64_t>(kReadChunk, stat.size - bytes.size()));
        const std::size_t at = bytes.size();
        bytes.resize(at + chunk);
        const zip_int64_t got = zip_fread(file, bytes.data() + at, chunk);
        if (got <= 0)
            throw FormatError(member, "truncated or corrupt member (" + std::to_string(at) + " of " + std::to_string(stat.size) + " bytes)");
        bytes.resize(at + static_cast<std::size_t>(got));
    }
    // Reading past the end is what makes libzip compare the CRC it computed with the recorded one.
    std::byte extra;
    const zip_int64_t beyond = zip_fread(file, &extra, 1);
    if (beyond > 0)
        throw FormatError(member, "holds more bytes than its recorded size (corrupt)");
    if (beyond < 0)
        throw FormatError(member, std::string("corrupt member (") + zip_file_strerror(file) + ")");
    uLong crc = crc32(0L, Z_NULL, 0);
    for (std::size_t at = 0; at < bytes.size(); at += kReadChunk) {
        const auto length = static_cast<uInt>(std::min(kReadChunk, bytes.size() - at));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), length);
    }
    if (static_cast<std::uint32_t>(crc) != stat.crc)
        throw FormatError(member, "CRC-32 mismatch: the member is corrupt");
    return bytes;
}

// Every member of an open archive, each read and CRC-checked (readMember).
NpzArchive readMembers(zip_t* archive, const std::string& source)
{
    NpzArchive arrays;
    const zip_int64_t count = zip_get_num_entries(archive, 0);
    for (zip_int64_t i = 0; i < count; ++i) {
        zip_stat_t stat;
        if (zip_stat_index(archive, i, 0, &stat) != 0)
            throw FormatError(source, "cannot read entry " + std::to_string(i) + " of the archive");
        std::string name = stat.name;
        const std::string member = source + "[" + name + "]";
        if (!name.ends_with(".npy"))
            throw FormatError(member, "archive member is not a .npy array");
        std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen_index(archive, i, 0), &zip_fclose);
        if (!file)
            throw FormatError(member, std::string("cannot open member: ") + zip_strerror(archive));
        const std::vector<std::byte> bytes = readMember(file.get(), stat, member);
        name.resize(name.size() - 4);
        arrays.emplace(name, parseNpy(bytes, member));
    }
    return arrays;
}

} // namespace

NpzArchive readNpz(const std::filesystem::path& path)
{
    int errorCode = 0;
    ZipHandle archive(zip_open(path.c_str(), ZIP_RDONLY, &errorCode));
    if (!archive) {
        if (errorCode == ZIP_ER_NOENT || errorCode == ZIP_ER_OPEN)
            throw FileError(path.string(), "cannot open: " + zipErrorText(errorCode));
        throw FormatError(path.string(), "not a valid .npz (zip) archive: " + zipErrorText(errorCode));
    }
    return readMembers(archive.get(), path.string());
}

NpzArchive readNpz(std::span<const std::byte> bytes, const std::string& source)
{
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* data = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (!data) {
        const std::string problem = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw FormatError(source, "cannot read the archive: " + problem);
    }
    ZipHandle archive(zip_open_from_source(data, ZIP_RDONLY, &error));
    if (!archive) {
        zip_source_free(data); // still ours when the open failed
        const std::string problem = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw FormatError(source, "not a valid .npz (zip) archive: " + problem);
    }
    zip_error_fini(&error);
    return readMembers(archive.get(), source);
}

void writeNpz(const std::filesystem::path& path, const NpzArchive& arrays)
{
    if (arrays.empty()) {
        // libzip deletes an archive left with no members; an empty .npz is just the end record.
        std::vector<std::byte> endOfCentralDirectory(22, std::byte{0});
        const unsigned char signature[] = {0x50, 0x4b, 0x05, 0x06};
        for (int i = 0; i < 4; ++i)
            endOfCentralDirectory[i] = std::byte{signature[i]};
        writeBytesAtomically(path, endOfCentralDirectory);
        return;
    }
    replaceFileAtomically(path, [&](const std::filesystem::path& temp) {
        int errorCode = 0;
        ZipHandle archive(zip_open(temp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &errorCode));
        if (!archive)
            throw FileError(path.string(), "cannot create archive: " + zipErrorText(errorCode));
        // libzip reads sources at zip_close, so the serialised members must outlive the loop.
        std::vector<std::vector<std::byte>> members;
        members.reserve(arrays.size());
        for (const auto& [name, array] : arrays) {
            members.push_back(serializeNpy(array));
            auto& bytes = members.back();
            zip_source_t* source = zip_source_buffer(archive.get(), bytes.data(), bytes.size(), 0);
            if (!source)
                throw FileError(path.string(), std::string("cannot add member: ") + zip_strerror(archive.get()));
            const zip_int64_t index =
                zip_file_add(archive.get(), (name + ".npy").c_str(), source, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
            if (index < 0) {
                zip_source_free(source);
                throw FileError(path.string(), "cannot add member '" + name + "': " + zip_strerror(archive.get()));
            }
            zip_set_file_compression(archive.get(), static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
        }
        zip_t* raw = archive.release();
        if (zip_close(raw) != 0) {
            const std::string problem = zip_strerror(raw);
            zip_discard(raw);
            throw FileError(path.string(), "writing the archive failed: " + problem);
        }
    });
}

} // namespace ls
