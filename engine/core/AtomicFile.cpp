#include "AtomicFile.h"

#include "Error.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <signal.h>
#include <unistd.h>

namespace ls {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempMarker = ".tmp-";

// ".<name>.tmp-<pid>-<random>": the pid tells a later sweep whether the writer is still alive.
fs::path temporarySibling(const fs::path& destination)
{
    std::random_device entropy;
    const auto suffix = std::to_string(::getpid()) + "-" + std::to_string(entropy());
    return destination.parent_path() / ("." + destination.filename().string() + std::string(kTempMarker) + suffix);
}

bool processAlive(long pid)
{
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
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

int sweepStaleTemporaries(const fs::path& folder, const std::string& namePrefix)
{
    std::error_code ec;
    int removed = 0;
    const std::string start = "." + namePrefix;
    for (fs::directory_iterator it(folder.empty() ? fs::path(".") : folder, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const auto marker = name.rfind(kTempMarker);
        if (!name.starts_with(start) || marker == std::string::npos || !it->is_regular_file(ec))
            continue;
        const std::string suffix = name.substr(marker + kTempMarker.size());
        const auto dash = suffix.find('-');
        bool stale = false;
        if (dash != std::string::npos && dash > 0 && suffix.find_first_not_of("0123456789-") == std::string::npos) {
            const long pid = std::strtol(suffix.c_str(), nullptr, 10);
            stale = pid != static_cast<long>(::getpid()) && !processAlive(pid);
        } else { // the older naming carried no pid: stale once nobody has written it for an hour
            const auto age = fs::file_time_type::clock::now() - fs::last_write_time(it->path(), ec);
            stale = !ec && age > std::chrono::hours(1);
        }
        if (stale && fs::remove(it->path(), ec))
            ++removed;
    }
    return removed;
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
