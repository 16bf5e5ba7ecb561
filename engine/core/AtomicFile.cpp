#include "AtomicFile.h"

#include "Error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <unistd.h>

namespace ls {
namespace fs = std::filesystem;

namespace {

fs::path temporarySibling(const fs::path& destination)
{
    std::random_device entropy;
    const auto suffix = std::to_string(entropy()) + std::to_string(::getpid());
    return destination.parent_path() / ("." + destination.filename().string() + ".tmp-" + suffix);
}

// Flush file data to disk so that a crash after the rename cannot expose an empty file.
void syncFile(const fs::path& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0)
        return;
    ::fsync(fd);
    ::close(fd);
}

} // namespace

void replaceFileAtomically(const fs::path& destination,
                           const std::function<void(const fs::path& tempPath)>& writeContent)
{
    const fs::path folder = destination.parent_path().empty() ? fs::path(".") : destination.parent_path();
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw FileError(destination.string(), "folder " + folder.string() + " does not exist");

    const fs::path temp = temporarySibling(destination);
    try {
        writeContent(temp);
        syncFile(temp);
    } catch (...) {
        fs::remove(temp, ec);
        throw;
    }
    fs::rename(temp, destination, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw FileError(destination.string(), "could not replace the file: " + ec.message());
    }
}

void writeBytesAtomically(const fs::path& destination, std::span<const std::byte> bytes)
{
    replaceFileAtomically(destination, [&](const fs::path& temp) {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw FileError(destination.string(), std::string("cannot write: ") + std::strerror(errno));
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out)
            throw FileError(destination.string(), "write failed (disk full?)");
    });
}

void writeTextAtomically(const fs::path& destination, std::string_view text)
{
    writeBytesAtomically(destination, std::as_bytes(std::span(text.data(), text.size())));
}

std::vector<std::byte> readFileBytes(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw FileError(path.string(), fs::exists(path) ? "cannot be opened for reading" : "no such file");
    const auto size = static_cast<std::size_t>(in.tellg());
    std::vector<std::byte> bytes(size);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    if (!in)
        throw FileError(path.string(), "read failed");
    return bytes;
}

std::string readFileText(const fs::path& path)
{
    const auto bytes = readFileBytes(path);
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

} // namespace ls
