#pragma once
// NumPy .npz archives (a zip of .npy members), read and written through libzip. Reading accepts
// both np.savez (stored) and np.savez_compressed (deflate); writing stores members uncompressed,
// as np.savez does.
#include "Npy.h"

#include <filesystem>
#include <map>
#include <span>
#include <string>

namespace ls {

using NpzArchive = std::map<std::string, NpyArray>; // member name without ".npy" -> array

NpzArchive readNpz(const std::filesystem::path& path);
// An archive held in memory (a compiled-in asset); `source` names it in errors.
NpzArchive readNpz(std::span<const std::byte> bytes, const std::string& source);
void writeNpz(const std::filesystem::path& path, const NpzArchive& arrays); // atomic

} // namespace ls
