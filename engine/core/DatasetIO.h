#pragma once
// Datasets to and from NumPy archives: each dataset becomes arrays named "<prefix>/<field>" plus a
// small JSON descriptor (kind, names, units); used by sessions and by the CLI's --out folders.
#include "Dataset.h"
#include "Npz.h"

#include <nlohmann/json.hpp>

namespace ls {

// Adds the dataset's arrays to `archive` under `prefix` and returns its descriptor.
nlohmann::json storeDataset(const Dataset& dataset, const std::string& prefix, NpzArchive& archive);

// Rebuilds a dataset from its descriptor and arrays; `source` names the file in errors.
Dataset loadDataset(const nlohmann::json& descriptor, const std::string& prefix, const NpzArchive& archive,
                    const std::string& source);

} // namespace ls
