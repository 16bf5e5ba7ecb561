#include "DatasetIO.h"

#include "Error.h"
#include "JsonFields.h"

#include <algorithm>
#include <iterator>

namespace ls {
namespace {

// Strings travel as one UTF-8 byte array plus int64 offsets [count + 1].
void storeStrings(const std::vector<std::string>& strings, const std::string& name, NpzArchive& archive)
{
    std::vector<std::uint8_t> bytes;
    std::vector<std::int64_t> offsets{0};
    for (const auto& s : strings) {
        bytes.insert(bytes.end(), s.begin(), s.end());
        offsets.push_back(static_cast<std::int64_t>(bytes.size()));
    }
    archive[name + "_utf8"] = NpyArray::from<std::uint8_t>({static_cast<std::int64_t>(bytes.size())}, bytes);
    archive[name + "_offsets"] = NpyArray::from<std::int64_t>({static_cast<std::int64_t>(offsets.size())}, offsets);
}

class ArchiveReader {
public:
    ArchiveReader(const NpzArchive& archive, std::string prefix, std::string source)
        : archive_(archive), prefix_(std::move(prefix)), source_(std::move(source)) {}

    const NpyArray& array(const std::string& field) const
    {
        const auto found = archive_.find(prefix_ + "/" + field);
        if (found == archive_.end())
            throw FormatError(source_, "array '" + prefix_ + "/" + field + "' is missing");
        return found->second;
    }
    std::vector<float> floats(const std::string& field, std::vector<std::int64_t> shape) const
    {
        const auto& a = array(field);
        a.requireShape(shape, source_ + "[" + prefix_ + "/" + field + "]");
        const auto view = a.view<float>(source_ + "[" + prefix_ + "/" + field + "]");
        return {view.begin(), view.end()};
    }
    std::vector<std::string> strings(const std::string& field) const
    {
        const auto bytes = array(field + "_utf8").view<std::uint8_t>(source_ + "[" + prefix_ + "/" + field + "]");
        const auto offsets = array(field + "_offsets").view<std::int64_t>(source_ + "[" + prefix_ + "/" + field + "]");
        std::vector<std::string> out;
        for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
            if (offsets[i] < 0 || offsets[i + 1] < offsets[i] || static_cast<std::size_t>(offsets[i + 1]) > bytes.size())
                throw FormatError(source_, "string offsets of '" + prefix_ + "/" + field + "' are out of range");
            out.emplace_back(reinterpret_cast<const char*>(bytes.data()) + offsets[i],
                             static_cast<std::size_t>(offsets[i + 1] - offsets[i]));
        }
        return out;
    }

private:
    const NpzArchive& archive_;
    std::string prefix_;
    std::string source_;
};

NpyArray floatArray(std::vector<std::int64_t> shape, const std::vector<float>& values)
{
    return NpyArray::from<float>(std::move(shape), values);
}

std::int64_t rows(const std::vector<float>& values, std::int64_t columns)
{
    return columns > 0 ? static_cast<std::int64_t>(values.size()) / columns : 0;
}

} // namespace

const char* datasetKindName(const DatasetContent& content)
{
    constexpr const char* names[] = {"pointcloud", "grid", "series", "table", "tokentrace", "gaussians"};
    return names[content.index()];
}

namespace {
constexpr const char* kRoleNames[] = {"own", "shades", "compared-with", "both-sides"};
}

const char* toString(DatasetRole role)
{
    return kRoleNames[static_cast<int>(role)];
}

nlohmann::json storeDataset(const Dataset& dataset, const std::string& prefix, NpzArchive& archive)
{
    nlohmann::json descriptor{{"name", dataset.name}, {"kind", datasetKindName(dataset.content)}};
    if (dataset.role != DatasetRole::Own) {
        descriptor["role"] = toString(dataset.role);
        descriptor["linkedTo"] = dataset.linkedTo;
    }
    const std::string p = prefix + "/";
    std::visit(
        [&](const auto& d) {
            using T = std::decay_t<decltype(d)>;
            if constexpr (std::is_same_v<T, PointCloud>) {
                archive[p + "positions"] = floatArray({rows(d.positions, 3), 3}, d.positions);
                nlohmann::json attributes = nlohmann::json::array();
                for (const auto& a : d.attributes) {
                    archive[p + "attr_" + a.name] = floatArray({rows(a.values, a.components), a.components}, a.values);
                    attributes.push_back({{"name", a.name}, {"components", a.components}});
                }
                descriptor["attributes"] = attributes;
                if (d.hasEllipsoids()) {
                    archive[p + "ellipsoid_axes"] = floatArray({rows(d.positions, 3), 3}, d.ellipsoidAxes);
                    archive[p + "ellipsoid_rotations"] = floatArray({rows(d.positions, 3), 4}, d.ellipsoidRotations);
                    descriptor["ellipsoids"] = true;
                }
            } else if constexpr (std::is_same_v<T, Grid>) {
                archive[p + "values"] = floatArray({d.height, d.width, d.channels}, d.values);
                descriptor["valueUnits"] = d.valueUnits;
                descriptor["xLabel"] = d.xLabel;
                descriptor["yLabel"] = d.yLabel;
                if (d.showAsImage)
                    descriptor["display"] = "image";
                if (d.heatColours)
                    descriptor["colours"] = "heat";
                if (!d.layerLabel.empty())
                    descriptor["layerLabel"] = d.layerLabel;
            } else if constexpr (std::is_same_v<T, Series>) {
                archive[p + "x"] = floatArray({static_cast<std::int64_t>(d.x.size())}, d.x);
                nlohmann::json curves = nlohmann::json::array();
                for (const auto& c : d.curves) {
                    archive[p + "y_" + c.name] = floatArray({static_cast<std::int64_t>(c.values.size())}, c.values);
                    curves.push_back(c.name);
                }
                descriptor["xLabel"] = d.xLabel;
                descriptor["curves"] = curves;
                if (d.style == SeriesStyle::Bars)
                    descriptor["style"] = "bars";
                if (!d.xTicks.empty())
                    descriptor["xTicks"] = d.xTicks;
                for (const auto& marker : d.markers)
                    descriptor["markers"].push_back({{"x", marker.x}, {"label", marker.label}});
            } else if constexpr (std::is_same_v<T, Table>) {
                descriptor["columns"] = d.columns;
                descriptor["rows"] = d.rows;
            } else if constexpr (std::is_same_v<T, TokenTrace>) {
                storeStrings(d.tokens, p + "tokens", archive);
                storeStrings(d.topTokens, p + "top_tokens", archive);
                archive[p + "logprobs"] = floatArray({static_cast<std::int64_t>(d.logprobs.size())}, d.logprobs);
                archive[p + "top_logprobs"] = floatArray({static_cast<std::int64_t>(d.tokens.size()), d.topK}, d.topLogprobs);
                descriptor["topK"] = d.topK;
            } else if constexpr (std::is_same_v<T, GaussianSet>) {
                const auto n = static_cast<std::int64_t>(d.count());
                archive[p + "means"] = floatArray({n, 3}, d.means);
                archive[p + "scales"] = floatArray({n, 3}, d.scales);
                archive[p + "rotations"] = floatArray({n, 4}, d.rotations);
                archive[p + "opacities"] = floatArray({n}, d.opacities);
                archive[p + "features"] = floatArray({n, d.featureDim}, d.features);
                descriptor["featureDim"] = d.featureDim;
            }
        },
        dataset.content);
    return descriptor;
}

Dataset loadDataset(const nlohmann::json& descriptor, const std::string& prefix, const NpzArchive& archive,
                    const std::string& source)
{
    const ArchiveReader read(archive, prefix, source);
    Dataset dataset;
    try {
        dataset.name = descriptor.at("name").get<std::string>();
        const auto kind = descriptor.at("kind").get<std::string>();
        if (descriptor.contains("role")) { // sessions written before roles have none: each dataset its own tab
            const auto role = descriptor["role"].get<std::string>();
            const auto known = std::find(std::begin(kRoleNames), std::end(kRoleNames), role);
            if (known == std::end(kRoleNames))
                throw FormatError(source, "dataset '" + dataset.name + "' has unknown role '" + role + "'");
            dataset.role = static_cast<DatasetRole>(known - std::begin(kRoleNames));
            dataset.linkedTo = requiredField<std::string>(descriptor, "linkedTo", source + " dataset '" + dataset.name + "'");
        }
        if (kind == "pointcloud") {
            PointCloud cloud;
            cloud.positions = read.floats("positions", {-1, 3});
            const auto n = static_cast<std::int64_t>(cloud.pointCount());
            for (const auto& a : descriptor.at("attributes")) {
                const auto name = a.at("name").get<std::string>();
                const int components = requiredField<int>(a, "components", source + " attribute '" + name + "'");
                // Views read a point's first component; more than a 4x4 matrix per point is no attribute of ours.
                if (components < 1 || components > 16)
                    throw FormatError(source, "attribute '" + name + "' has " + std::to_string(components) +
                                                  " components; expected 1 to 16");
                cloud.attributes.push_back({name, components, read.floats("attr_" + name, {n, components})});
            }
            if (descriptor.value("ellipsoids", false)) {
                cloud.ellipsoidAxes = read.floats("ellipsoid_axes", {n, 3});
                cloud.ellipsoidRotations = read.floats("ellipsoid_rotations", {n, 4});
            }
            dataset.content = std::move(cloud);
        } else if (kind == "grid") {
            Grid grid;
            const auto& values = read.array("values");
            values.requireShape({-1, -1, -1}, source + "[" + prefix + "/values]");
            grid.height = static_cast<int>(values.shape[0]);
            grid.width = static_cast<int>(values.shape[1]);
            grid.channels = static_cast<int>(values.shape[2]);
            if (values.shape[0] < 1 || values.shape[1] < 1 || values.shape[2] < 1 || values.shape[0] > (1 << 20) ||
                values.shape[1] > (1 << 20) || values.shape[2] > (1 << 16))
                throw FormatError(source + "[" + prefix + "/values]", "grid shape " + shapeToString(values.shape) + " is empty or implausible");
            grid.values = read.floats("values", values.shape);
            grid.valueUnits = descriptor.value("valueUnits", "");
            grid.xLabel = descriptor.value("xLabel", "");
            grid.yLabel = descriptor.value("yLabel", "");
            grid.showAsImage = descriptor.value("display", "") == "image";
            grid.heatColours = descriptor.value("colours", "") == "heat";
            grid.layerLabel = descriptor.value("layerLabel", "");
            dataset.content = std::move(grid);
        } else if (kind == "series") {
            Series series;
            series.x = read.floats("x", {-1});
            series.xLabel = descriptor.value("xLabel", "");
            series.style = descriptor.value("style", "") == "bars" ? SeriesStyle::Bars : SeriesStyle::Lines;
            if (descriptor.contains("xTicks"))
                series.xTicks = descriptor["xTicks"].get<std::vector<std::string>>();
            if (!series.xTicks.empty() && series.xTicks.size() != series.x.size())
                throw FormatError(source, "series '" + dataset.name + "': " + std::to_string(series.xTicks.size()) +
                                                                " x tick labels for " + std::to_string(series.x.size()) + " points");
            for (const auto& marker : descriptor.value("markers", nlohmann::json::array()))
                series.markers.push_back({marker.at("x").get<float>(), marker.at("label").get<std::string>()});
            for (const auto& name : descriptor.at("curves"))
                series.curves.push_back({name.get<std::string>(), 1,
                                         read.floats("y_" + name.get<std::string>(), {static_cast<std::int64_t>(series.x.size())})});
            dataset.content = std::move(series);
        } else if (kind == "table") {
            Table table;
            table.columns = descriptor.at("columns").get<std::vector<std::string>>();
            table.rows = descriptor.at("rows").get<std::vector<std::vector<std::string>>>();
            for (std::size_t r = 0; r < table.rows.size(); ++r)
                if (table.rows[r].size() != table.columns.size())
                    throw FormatError(source, "table '" + dataset.name + "' row " + std::to_string(r) + " has " +
                                                  std::to_string(table.rows[r].size()) + " cells for " +
                                                  std::to_string(table.columns.size()) + " columns");
            dataset.content = std::move(table);
        } else if (kind == "tokentrace") {
            TokenTrace trace;
            trace.tokens = read.strings("tokens");
            trace.topTokens = read.strings("top_tokens");
            trace.topK = requiredField<int>(descriptor, "topK", source + " dataset '" + dataset.name + "'");
            if (trace.topK < 0 || trace.topK > (1 << 16))
                throw FormatError(source, "token trace '" + dataset.name + "' has topK " + std::to_string(trace.topK));
            const auto t = static_cast<std::int64_t>(trace.tokens.size());
            trace.logprobs = read.floats("logprobs", {t});
            trace.topLogprobs = read.floats("top_logprobs", {t, trace.topK});
            dataset.content = std::move(trace);
        } else if (kind == "gaussians") {
            GaussianSet set;
            set.opacities = read.floats("opacities", {-1});
            const auto n = static_cast<std::int64_t>(set.opacities.size());
            set.featureDim = requiredField<int>(descriptor, "featureDim", source + " dataset '" + dataset.name + "'");
            if (set.featureDim < 0 || set.featureDim > 4096) // 0: no features (a GSpaRC field's set)
                throw FormatError(source, "Gaussian set '" + dataset.name + "' has featureDim " + std::to_string(set.featureDim));
            set.means = read.floats("means", {n, 3});
            set.scales = read.floats("scales", {n, 3});
            set.rotations = read.floats("rotations", {n, 4});
            set.features = read.floats("features", {n, set.featureDim});
            dataset.content = std::move(set);
        } else {
            throw FormatError(source, "dataset '" + dataset.name + "' has unknown kind '" + kind + "'");
        }
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(source, "dataset descriptor under '" + prefix + "' is malformed: " + e.what());
    }
    return dataset;
}

} // namespace ls
