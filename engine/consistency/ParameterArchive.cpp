#include "ParameterArchive.h"

#include "engine/core/Error.h"

#include <cmath>

namespace ls::consistency {

NpyArray matrixArray(const Matrix& m)
{
    return NpyArray::from<float>({m.rows(), m.cols()}, std::span<const float>(m.data(), static_cast<std::size_t>(m.size())));
}

void storeParameters(const std::string& prefix, const std::vector<Parameter*>& parameters, NpzArchive& archive)
{
    for (const Parameter* p : parameters)
        archive[prefix + "/" + p->name] = matrixArray(p->value);
}

const NpyArray& archiveMember(const NpzArchive& archive, const std::string& name, const std::string& source)
{
    const auto found = archive.find(name);
    if (found == archive.end())
        throw FormatError(source, "member '" + name + ".npy' is missing");
    return found->second;
}

void readMatrix(const NpzArchive& archive, const std::string& name, Matrix& target, const std::string& source)
{
    const NpyArray& array = archiveMember(archive, name, source);
    array.requireShape({target.rows(), target.cols()}, source + " member '" + name + "'");
    const auto values = array.toFloat();
    for (const float v : values)
        if (!std::isfinite(v))
            throw FormatError(source, "member '" + name + "' holds NaN or infinity");
    target = Eigen::Map<const Matrix>(values.data(), target.rows(), target.cols());
}

void readParameters(const NpzArchive& archive, const std::string& prefix, const std::vector<Parameter*>& parameters, const std::string& source)
{
    for (Parameter* p : parameters)
        readMatrix(archive, prefix + "/" + p->name, p->value, source);
}

} // namespace ls::consistency
