#include "MultipathScene.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"
#include "engine/core/JsonFields.h"

#include <cmath>

namespace ls::rf {

namespace {

std::array<double, 3> point(const nlohmann::json& object, const char* key, const std::string& where)
{
    const auto values = requiredField<std::vector<double>>(object, key, where);
    if (values.size() != 3)
        throw FormatError(where, std::string("field '") + key + "' needs 3 numbers [x, y, z]");
    for (double v : values)
        if (!std::isfinite(v))
            throw FormatError(where, std::string("field '") + key + "' holds a non-finite number");
    return {values[0], values[1], values[2]};
}

SceneBox box(const nlohmann::json& object, const std::map<std::string, Material>& materials, const std::string& where)
{
    SceneBox result{point(object, "min", where), point(object, "max", where), {}};
    for (int axis = 0; axis < 3; ++axis)
        if (!(result.max[axis] > result.min[axis]))
            throw FormatError(where, "field 'max' must exceed 'min' on every axis");
    const auto name = requiredField<std::string>(object, "material", where);
    const auto found = materials.find(name);
    if (found == materials.end())
        throw FormatError(where, "field 'material' names '" + name + "', which 'materials' does not define");
    result.material = found->second;
    return result;
}

} // namespace

MultipathScene parseMultipathScene(const std::string& jsonText, const std::string& source)
{
    const nlohmann::json json = parseJsonText(jsonText, source);
    MultipathScene scene;
    std::map<std::string, Material> materials;
    const auto materialsJson = requiredField<nlohmann::json>(json, "materials", source);
    if (!materialsJson.is_object() || materialsJson.empty())
        throw FormatError(source, "field 'materials' must map names to {\"reflection\": [re, im]}");
    for (const auto& [name, material] : materialsJson.items()) {
        const auto gamma = requiredField<std::vector<double>>(material, "reflection", source + " materials." + name);
        if (gamma.size() != 2 || std::hypot(gamma[0], gamma[1]) > 1.0)
            throw FormatError(source + " materials." + name, "field 'reflection' needs [re, im] with magnitude ≤ 1 (a passive surface)");
        materials[name] = {{gamma[0], gamma[1]}};
    }
    scene.room = box(requiredField<nlohmann::json>(json, "room", source), materials, source + " room");
    if (json.contains("boxes")) {
        int index = 0;
        const auto boxes = requiredField<nlohmann::json>(json, "boxes", source);
        if (!boxes.is_array())
            throw FormatError(source, "field 'boxes' must be a list");
        for (const auto& item : boxes)
            scene.boxes.push_back(box(item, materials, source + " boxes[" + std::to_string(index++) + "]"));
    }
    const auto receiver = requiredField<nlohmann::json>(json, "receiver", source);
    const auto position = point(receiver, "position", source + " receiver");
    const auto orientation = requiredField<std::vector<double>>(receiver, "orientation", source + " receiver");
    if (orientation.size() != 4)
        throw FormatError(source + " receiver", "field 'orientation' needs a quaternion [qx, qy, qz, qw]");
    const double norm = std::sqrt(orientation[0] * orientation[0] + orientation[1] * orientation[1] + orientation[2] * orientation[2]
                                  + orientation[3] * orientation[3]);
    if (!(norm > 1e-6))
        throw FormatError(source + " receiver", "field 'orientation' is a zero quaternion");
    scene.receiver.position = position;
    scene.receiver.orientation = {orientation[3] / norm, orientation[0] / norm, orientation[1] / norm, orientation[2] / norm};
    if (json.contains("array")) {
        const auto array = requiredField<nlohmann::json>(json, "array", source);
        scene.arrayRows = requiredField<int>(array, "rows", source + " array");
        scene.arrayColumns = requiredField<int>(array, "columns", source + " array");
        scene.arraySpacingMetres = requiredField<double>(array, "spacingMetres", source + " array");
        if (scene.arrayRows < 1 || scene.arrayColumns < 1 || scene.arrayRows > 1024 || scene.arrayColumns > 1024 ||
            scene.arrayRows * scene.arrayColumns > 1024 || !(scene.arraySpacingMetres > 0))
            throw FormatError(source + " array", "needs 1–1024 elements ('rows' × 'columns') and a positive 'spacingMetres'");
    }
    if (json.contains("frequenciesHz")) {
        scene.frequenciesHz = requiredField<std::vector<double>>(json, "frequenciesHz", source);
        if (scene.frequenciesHz.empty())
            throw FormatError(source, "field 'frequenciesHz' is empty");
        for (double f : scene.frequenciesHz)
            if (!(f > 1e6 && f < 1e12))
                throw FormatError(source, "field 'frequenciesHz' holds " + std::to_string(f) + "; expected 1 MHz … 1 THz");
    }
    if (json.contains("reflectionOrder")) {
        scene.reflectionOrder = requiredField<int>(json, "reflectionOrder", source);
        if (scene.reflectionOrder < 0 || scene.reflectionOrder > 6)
            throw FormatError(source, "field 'reflectionOrder' must be 0 … 6");
    }
    const auto transmitters = requiredField<nlohmann::json>(json, "transmitters", source);
    const auto low = point(transmitters, "min", source + " transmitters"), high = point(transmitters, "max", source + " transmitters");
    const auto count = requiredField<std::vector<int>>(transmitters, "count", source + " transmitters");
    // Each factor is bounded before the product, so the product cannot overflow.
    if (count.size() != 3 || count[0] < 1 || count[1] < 1 || count[2] < 1 || count[0] > 100000 || count[1] > 100000 ||
        count[2] > 100000 || static_cast<long long>(count[0]) * count[1] * count[2] > 100000)
        throw FormatError(source + " transmitters", "field 'count' needs [nx, ny, nz] ≥ 1 with at most 100,000 positions");
    for (int i = 0; i < count[0]; ++i)
        for (int j = 0; j < count[1]; ++j)
            for (int k = 0; k < count[2]; ++k) {
                const int index[3] = {i, j, k};
                std::array<float, 3> p{};
                for (int axis = 0; axis < 3; ++axis)
                    p[axis] = static_cast<float>(count[axis] == 1 ? 0.5 * (low[axis] + high[axis])
                                                                   : low[axis] + (high[axis] - low[axis]) * index[axis] / (count[axis] - 1));
                scene.transmitters.push_back(p);
            }
    if (json.contains("map")) {
        scene.mapping.width = requiredField<int>(requiredField<nlohmann::json>(json, "map", source), "width", source + " map");
        scene.mapping.height = requiredField<int>(requiredField<nlohmann::json>(json, "map", source), "height", source + " map");
        if (scene.mapping.width < 16 || scene.mapping.height < 4 || scene.mapping.width > 4096 || scene.mapping.height > 1024)
            throw FormatError(source + " map", "'width' must be 16 … 4096 and 'height' 4 … 1024");
    }
    if (json.contains("testFraction")) {
        scene.testFraction = requiredField<double>(json, "testFraction", source);
        if (!(scene.testFraction >= 0 && scene.testFraction < 1))
            throw FormatError(source, "field 'testFraction' must be in [0, 1)");
    }
    return scene;
}

MultipathScene readMultipathScene(const std::filesystem::path& path)
{
    return parseMultipathScene(readFileText(path), path.string());
}

} // namespace ls::rf
