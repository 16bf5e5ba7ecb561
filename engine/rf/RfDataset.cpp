#include "RfDataset.h"

#include "GreyPng.h"

#include "engine/core/AtomicFile.h"
#include "engine/core/Error.h"
#include "engine/core/JsonFields.h"
#include "engine/core/Npy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <cctype>
#include <cerrno>
#include <string_view>
#include <sstream>

namespace ls::rf {

namespace {

constexpr long kMaxSampleNumber = 99'999'999; // spectrum file names are %05d.png; far above any campaign

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> result;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back(); // CRLF files (the RFID CSV is one)
        result.push_back(line);
    }
    return result;
}

// Rows of "x,y,z"; a first line that is not numeric is a header. Errors name the file and line.
std::vector<std::array<float, 3>> readPositions(const std::filesystem::path& path)
{
    std::vector<std::array<float, 3>> positions;
    const auto all = lines(readFileText(path));
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].find_first_not_of(" \t") == std::string::npos)
            continue;
        std::array<float, 3> xyz{};
        char extra = 0;
        const int fields = std::sscanf(all[i].c_str(), " %f , %f , %f %c", &xyz[0], &xyz[1], &xyz[2], &extra);
        if (fields != 3) {
            if (i == 0)
                continue; // header "x,y,z"
            throw FormatError(path.string() + ":" + std::to_string(i + 1), "expected three numbers \"x,y,z\", found \"" + all[i] + "\"");
        }
        if (!std::isfinite(xyz[0]) || !std::isfinite(xyz[1]) || !std::isfinite(xyz[2]))
            throw FormatError(path.string() + ":" + std::to_string(i + 1), "a position is not finite (NaN or infinity)");
        positions.push_back(xyz);
    }
    if (positions.empty())
        throw FormatError(path.string(), "holds no positions");
    return positions;
}

std::vector<int> readIndexFile(const std::filesystem::path& path)
{
    std::vector<int> numbers;
    const auto all = lines(readFileText(path));
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].find_first_not_of(" \t") == std::string::npos)
            continue;
        char* end = nullptr;
        errno = 0;
        const long number = std::strtol(all[i].c_str(), &end, 10);
        // Sample numbers index tx_pos.csv rows, so anything beyond an int is refused, not truncated.
        if (end == all[i].c_str() || number < 1 || number > kMaxSampleNumber || errno == ERANGE)
            throw FormatError(path.string() + ":" + std::to_string(i + 1),
                              "expected a sample number from 1 to " + std::to_string(kMaxSampleNumber) + ", found \"" + all[i].substr(0, 40) + "\"");
        numbers.push_back(static_cast<int>(number));
    }
    return numbers;
}

// "[a, b, c]" after `key:` in the small YAML the RFID data ships (no YAML library needed for it).
// Scanned by hand: std::regex recurses per character and overflows the stack on long input.
std::vector<double> yamlList(const std::string& text, const std::string& key, std::size_t count, const std::string& source)
{
    auto skipSpaces = [&](std::size_t at) {
        while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])))
            ++at;
        return at;
    };
    std::string body;
    bool found = false;
    for (std::size_t at = text.find(key); !found && at != std::string::npos; at = text.find(key, at + 1)) {
        std::size_t next = skipSpaces(at + key.size());
        if (next >= text.size() || text[next] != ':')
            continue;
        next = skipSpaces(next + 1);
        if (next >= text.size() || text[next] != '[')
            continue;
        const auto close = text.find(']', next + 1);
        if (close == std::string::npos)
            continue;
        body = text.substr(next + 1, close - next - 1);
        found = true;
    }
    if (!found)
        throw FormatError(source, "no '" + key + ": [...]' entry");
    std::vector<double> values;
    std::istringstream items(body);
    for (std::string item; std::getline(items, item, ',');) {
        if (values.size() >= count)
            throw FormatError(source, "'" + key + "' holds more than " + std::to_string(count) + " numbers");
        char* end = nullptr;
        const double value = std::strtod(item.c_str(), &end);
        const auto rest = std::string_view(end).find_first_not_of(" \t\r\n");
        if (end == item.c_str() || rest != std::string_view::npos || !std::isfinite(value))
            throw FormatError(source, "'" + key + "' holds \"" + item.substr(0, 40) + "\", not a finite number");
        values.push_back(value);
    }
    if (values.size() != count)
        throw FormatError(source, "'" + key + "' holds " + std::to_string(values.size()) + " numbers; " + std::to_string(count) + " expected");
    return values;
}

ReceiverPose poseFrom(const std::vector<double>& position, const std::vector<double>& quaternionXyzw, const std::string& source)
{
    if (position.size() != 3 || quaternionXyzw.size() != 4)
        throw FormatError(source, "the pose needs a position [x, y, z] and an orientation [qx, qy, qz, qw]");
    ReceiverPose pose;
    std::copy(position.begin(), position.end(), pose.position.begin());
    pose.orientation = {quaternionXyzw[3], quaternionXyzw[0], quaternionXyzw[1], quaternionXyzw[2]};
    const double norm = std::sqrt(pose.orientation[0] * pose.orientation[0] + pose.orientation[1] * pose.orientation[1]
                                  + pose.orientation[2] * pose.orientation[2] + pose.orientation[3] * pose.orientation[3]);
    if (!(norm > 0.5 && norm < 2.0))
        throw FormatError(source, "the orientation quaternion's norm is " + std::to_string(norm) + "; expected a unit quaternion");
    return pose;
}

RfDataset loadRfidLayout(const std::filesystem::path& folder)
{
    RfDataset dataset;
    dataset.source = folder.string();
    const auto gatewayPath = folder / "gateway_info.yml";
    const std::string gateway = readFileText(gatewayPath);
    dataset.receiver = poseFrom(yamlList(gateway, "position", 3, gatewayPath.string()), yamlList(gateway, "orientation", 4, gatewayPath.string()),
                                gatewayPath.string());
    const auto positions = readPositions(folder / "tx_pos.csv");

    std::vector<int> trainNumbers, testNumbers;
    if (std::filesystem::exists(folder / "train_index.txt"))
        trainNumbers = readIndexFile(folder / "train_index.txt");
    if (std::filesystem::exists(folder / "test_index.txt"))
        testNumbers = readIndexFile(folder / "test_index.txt");
    if (trainNumbers.empty() && testNumbers.empty()) // no index files: every spectrum present trains
        for (int number = 1; number <= static_cast<int>(positions.size()); ++number) {
            char name[32];
            std::snprintf(name, sizeof name, "%05d.png", number);
            if (std::filesystem::exists(folder / "spectrum" / name))
                trainNumbers.push_back(number);
        }
    if (trainNumbers.empty())
        throw FormatError(folder.string(), "no spectra: spectrum/NNNNN.png files and train_index.txt expected");

    auto load = [&](int number, std::vector<std::size_t>& split) {
        if (number > static_cast<int>(positions.size()))
            throw FormatError((folder / "tx_pos.csv").string(), "has " + std::to_string(positions.size()) + " rows; sample "
                                                                 + std::to_string(number) + " needs row " + std::to_string(number));
        char name[32];
        std::snprintf(name, sizeof name, "%05d.png", number);
        const auto path = folder / "spectrum" / name;
        GreyImage image = readGreyPng(path);
        if (dataset.samples.empty())
            dataset.mapping = {image.width, image.height};
        else if (image.width != dataset.mapping.width || image.height != dataset.mapping.height)
            throw FormatError(path.string(), "is " + std::to_string(image.width) + "×" + std::to_string(image.height) + "; the other spectra are "
                                                 + std::to_string(dataset.mapping.width) + "×" + std::to_string(dataset.mapping.height));
        split.push_back(dataset.samples.size());
        dataset.samples.push_back({number, positions[number - 1], std::move(image.values)});
    };
    for (int number : trainNumbers)
        load(number, dataset.train);
    for (int number : testNumbers)
        load(number, dataset.test);
    return dataset;
}

RfDataset loadArrayLayout(const std::filesystem::path& folder)
{
    RfDataset dataset;
    dataset.source = folder.string();
    const auto spectraPath = folder / "spectra.npy";
    const NpyArray spectra = readNpy(spectraPath);
    if (spectra.shape.size() != 3 && spectra.shape.size() != 4)
        throw FormatError(spectraPath.string(), "shape " + shapeToString(spectra.shape) + "; expected [N, H, W] or [N, F, H, W]");
    const bool perFrequency = spectra.shape.size() == 4;
    const auto count = spectra.shape[0];
    dataset.frequencies = perFrequency ? static_cast<int>(spectra.shape[1]) : 1;
    dataset.mapping = {static_cast<int>(spectra.shape.back()), static_cast<int>(spectra.shape[spectra.shape.size() - 2])};
    const auto positions = readPositions(folder / "positions.csv");
    if (static_cast<std::int64_t>(positions.size()) != count)
        throw FormatError((folder / "positions.csv").string(),
                          "has " + std::to_string(positions.size()) + " positions for " + std::to_string(count) + " spectra in spectra.npy");
    const auto receiverPath = folder / "receiver.json";
    const auto json = parseJsonText(readFileText(receiverPath), receiverPath.string());
    dataset.receiver = poseFrom(requiredField<std::vector<double>>(json, "position", receiverPath.string()),
                                requiredField<std::vector<double>>(json, "orientation", receiverPath.string()), receiverPath.string());
    const auto values = spectra.toFloat();
    const std::size_t perSample = values.size() / static_cast<std::size_t>(std::max<std::int64_t>(count, 1));
    for (std::int64_t i = 0; i < count; ++i) {
        SpectrumSample sample{static_cast<int>(i + 1), positions[i], {values.begin() + i * perSample, values.begin() + (i + 1) * perSample}};
        for (float v : sample.spectrum)
            if (!std::isfinite(v))
                throw FormatError(spectraPath.string(), "spectrum " + std::to_string(i) + " holds a non-finite value (NaN or infinity)");
        dataset.train.push_back(dataset.samples.size());
        dataset.samples.push_back(std::move(sample));
    }
    if (dataset.samples.empty())
        throw FormatError(spectraPath.string(), "holds no spectra");
    return dataset;
}

} // namespace

RfDataset loadRfDataset(const std::filesystem::path& folder)
{
    if (!std::filesystem::is_directory(folder))
        throw FileError(folder.string(), "is not a dataset folder (expected spectrum/, tx_pos.csv, gateway_info.yml)");
    if (std::filesystem::exists(folder / "spectra.npy"))
        return loadArrayLayout(folder);
    if (!std::filesystem::exists(folder / "tx_pos.csv"))
        throw FileError((folder / "tx_pos.csv").string(), "missing: an RFID dataset folder holds spectrum/, tx_pos.csv and gateway_info.yml");
    return loadRfidLayout(folder);
}

void holdOutFromTraining(RfDataset& dataset, double fraction, std::uint64_t seed)
{
    if (!dataset.test.empty())
        return;
    if (dataset.train.size() < 2)
        throw ArgumentError("holdout: " + dataset.source + " has " + std::to_string(dataset.train.size()) + " sample(s); need at least 2 to hold one out");
    std::vector<std::size_t> shuffled = dataset.train;
    std::mt19937_64 generator(seed);
    std::shuffle(shuffled.begin(), shuffled.end(), generator);
    const auto held = std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(fraction * shuffled.size())), 1, shuffled.size() - 1);
    dataset.test.assign(shuffled.begin(), shuffled.begin() + held);
    dataset.train.assign(shuffled.begin() + held, shuffled.end());
    std::sort(dataset.test.begin(), dataset.test.end());
    std::sort(dataset.train.begin(), dataset.train.end());
}

std::pair<std::array<float, 3>, std::array<float, 3>> sceneBox(const RfDataset& dataset, float marginMetres)
{
    std::array<float, 3> low, high;
    for (int axis = 0; axis < 3; ++axis)
        low[axis] = high[axis] = static_cast<float>(dataset.receiver.position[axis]);
    for (const auto& sample : dataset.samples)
        for (int axis = 0; axis < 3; ++axis) {
            low[axis] = std::min(low[axis], sample.movingEnd[axis]);
            high[axis] = std::max(high[axis], sample.movingEnd[axis]);
        }
    for (int axis = 0; axis < 3; ++axis) {
        low[axis] -= marginMetres;
        high[axis] += marginMetres;
    }
    return {low, high};
}

std::pair<std::array<float, 3>, std::array<float, 3>> movingEndSpread(const RfDataset& dataset)
{
    std::array<float, 3> low{}, high{}, centre{}, spread{};
    for (int axis = 0; axis < 3; ++axis) {
        low[axis] = std::numeric_limits<float>::max();
        high[axis] = std::numeric_limits<float>::lowest();
    }
    for (const auto& sample : dataset.samples)
        for (int axis = 0; axis < 3; ++axis) {
            low[axis] = std::min(low[axis], sample.movingEnd[axis]);
            high[axis] = std::max(high[axis], sample.movingEnd[axis]);
        }
    for (int axis = 0; axis < 3; ++axis) {
        centre[axis] = dataset.samples.empty() ? 0.0f : 0.5f * (low[axis] + high[axis]);
        spread[axis] = dataset.samples.empty() ? 1.0f : std::max(0.05f, 0.5f * (high[axis] - low[axis]));
    }
    return {centre, spread};
}

} // namespace ls::rf
