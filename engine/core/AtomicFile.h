#pragma once
// Writes that never leave a half file behind: content goes to a temporary file in the same folder,
// is flushed to disk, then renamed over the destination (rename is atomic on POSIX file systems).
#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ls {

// Calls `writeContent` with the path of a temporary file to fill; on success renames it over
// `destination`. If `writeContent` throws, the temporary file is removed, the destination is left
// as it was, and the exception propagates.
void replaceFileAtomically(const std::filesystem::path& destination,
                           const std::function<void(const std::filesystem::path& tempPath)>& writeContent);

void writeBytesAtomically(const std::filesystem::path& destination, std::span<const std::byte> bytes);
void writeTextAtomically(const std::filesystem::path& destination, std::string_view text);

// Removes temporary files that replaceFileAtomically left in `folder` for destinations whose name
// starts with `namePrefix`, when the process that made them is gone (a crash or a kill mid-save).
// Returns how many were removed.
int sweepStaleTemporaries(const std::filesystem::path& folder, const std::string& namePrefix);

// Reads a whole file; throws FileError naming the path on failure.
std::vector<std::byte> readFileBytes(const std::filesystem::path& path);
// The same, as text (no decoding: the bytes as they are).
std::string readFileText(const std::filesystem::path& path);

} // namespace ls
