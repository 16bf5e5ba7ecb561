#include "FeatureNetwork.h"

#include "ParameterArchive.h"
#include "engine/core/Error.h"
#include "engine/core/JsonFields.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace ls::consistency {

namespace {
constexpr const char* kFactsMember = "facts.json"; // UTF-8 JSON as uint8, like a checkpoint's
constexpr const char* kFormat = "latency-studio fd feature network";
} // namespace

NpzArchive featureNetworkArchive(FeatureClassifier& network, const FeatureNetworkFacts& facts)
{
    const nlohmann::json meta = {{"format", kFormat},        {"version", 1},
                                 {"seed", facts.seed},       {"steps", facts.steps},
                                 {"trainImages", facts.trainImages}, {"batch", facts.batch},
                                 {"learningRate", facts.learningRate}, {"testAccuracy", facts.testAccuracy}};
    const std::string text = meta.dump(1);
    NpzArchive archive;
    archive[kFactsMember] = NpyArray::from<std::uint8_t>({static_cast<std::int64_t>(text.size())},
                                                         std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    storeParameters("classifier", network.parameters(), archive);
    return archive;
}

FeatureClassifier featureNetworkFrom(const NpzArchive& archive, const std::string& source, FeatureNetworkFacts* facts)
{
    const auto bytes = archiveMember(archive, kFactsMember, source).view<std::uint8_t>(source + " member 'facts.json'");
    const nlohmann::json meta = parseJsonText(std::string(bytes.begin(), bytes.end()), source + " member 'facts.json'");
    if (!meta.is_object() || meta.value("format", std::string()) != kFormat)
        throw FormatError(source, "not a feature network of this engine (facts.json has no format \"" + std::string(kFormat) + "\")");
    if (facts) {
        facts->seed = meta.value("seed", std::uint64_t{0});
        facts->steps = meta.value("steps", std::int64_t{0});
        facts->trainImages = meta.value("trainImages", std::int64_t{0});
        facts->batch = meta.value("batch", 0);
        facts->learningRate = meta.value("learningRate", 0.0);
        facts->testAccuracy = meta.value("testAccuracy", 0.0);
    }
    FeatureClassifier network;
    readParameters(archive, "classifier", network.parameters(), source);
    return network;
}

std::string featureNetworkLabel()
{
    const FeatureNetworkFacts& facts = bundledFeatureNetworkFacts();
    char accuracy[32];
    std::snprintf(accuracy, sizeof accuracy, "%.3f", facts.testAccuracy);
    return "fd-features " + facts.sha256.substr(0, 12) + " (test accuracy " + accuracy + ")";
}

} // namespace ls::consistency
