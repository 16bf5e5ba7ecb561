#pragma once
// Network parameters to and from .npz members named "<prefix>/<parameter name>", float32 [rows, cols]
// (PyTorch's layout): what checkpoints and the bundled feature network are made of. Reading checks
// each member's presence, shape and finiteness and names the archive and member when one fails.
#include "Layers.h"
#include "engine/core/Npz.h"

#include <string>
#include <vector>

namespace ls::consistency {

NpyArray matrixArray(const Matrix& m);
void storeParameters(const std::string& prefix, const std::vector<Parameter*>& parameters, NpzArchive& archive);

const NpyArray& archiveMember(const NpzArchive& archive, const std::string& name, const std::string& source);
void readMatrix(const NpzArchive& archive, const std::string& name, Matrix& target, const std::string& source); // target's shape
void readParameters(const NpzArchive& archive, const std::string& prefix, const std::vector<Parameter*>& parameters, const std::string& source);

} // namespace ls::consistency
