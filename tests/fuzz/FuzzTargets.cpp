#include "FuzzTargets.h"

#include "app/host/Session.h"
#include "engine/consistency/LatentModels.h"
#include "engine/core/AtomicFile.h"
#include "engine/core/ChromeTraceImport.h"
#include "engine/core/Error.h"
#include "engine/core/Npy.h"
#include "engine/core/Npz.h"
#include "engine/pointcloud/FlatFormerWeights.h"
#include "engine/pointcloud/PcdPlyReaders.h"
#include "engine/pointcloud/PointFiles.h"
#include "engine/rf/FieldTraining.h"
#include "engine/rf/MultipathScene.h"
#include "engine/rf/RfDataset.h"
#include "engine/serving/Workload.h"
#include "engine/signals/ServerSentEvents.h"
#include "engine/signals/TraceImport.h"

#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace ls::fuzz {
namespace fs = std::filesystem;

namespace {

std::string text(Bytes input)
{
    return {reinterpret_cast<const char*>(input.data()), input.size()};
}

void writeFile(const fs::path& path, std::string_view bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A fresh scratch folder holding `name` with the input's bytes.
fs::path inputFile(Bytes input, const std::string& name)
{
    const fs::path folder = scratchFolder();
    const fs::path path = folder / name;
    writeFile(path, text(input));
    return path;
}

// Runs a parser: true if it accepted the input, false if it refused it the way it must.
template <class Parse>
bool accepts(Parse&& parse)
{
    try {
        parse();
        return true;
    } catch (const StudioError&) {
        return false;
    }
}

bool servingPrompts(Bytes input)
{
    return accepts([&] { serving::fileRequests(inputFile(input, "fuzz.jsonl").string(), 4, {}, 1); });
}

bool npy(Bytes input)
{
    return accepts([&] { parseNpy(std::as_bytes(input), "fuzz.npy"); });
}

bool npz(Bytes input)
{
    return accepts([&] { readNpz(inputFile(input, "fuzz.npz")); });
}

bool pcd(Bytes input)
{
    return accepts([&] { pointcloud::readPcd(inputFile(input, "fuzz.pcd")); });
}

bool ply(Bytes input)
{
    return accepts([&] { pointcloud::readPly(inputFile(input, "fuzz.ply")); });
}

bool pointBin(Bytes input)
{
    const int channels = input.empty() ? 4 : 3 + input[0] % 4;
    return accepts([&] { pointcloud::readPointFile(inputFile(input, "fuzz.bin"), channels); });
}

bool traces(Bytes input)
{
    return accepts([&] { reasoning::importTraceText(text(input), "fuzz.jsonl"); });
}

// The file path of the importer: JSON Lines of chat completions go to the simdjson reader (lines
// split between two threads), anything else to the general importer.
bool traceFile(Bytes input)
{
    return accepts([&] { reasoning::importTraceFile(inputFile(input, "fuzz.jsonl")); });
}

// A live stream: the bytes arrive in two reads split at a point the first byte chooses, and
// every event is appended to one trace as the live client does.
bool serverSentEvents(Bytes input)
{
    return accepts([&] {
        const std::string all = input.empty() ? std::string() : text(input.subspan(1));
        const std::size_t cut = input.empty() ? 0 : input[0] % (all.size() + 1);
        reasoning::ServerSentEventDecoder decoder;
        reasoning::TraceSet set;
        set.traces.emplace_back();
        std::size_t number = 0;
        for (const std::string_view piece : {std::string_view(all).substr(0, cut), std::string_view(all).substr(cut)})
            for (const auto& event : decoder.feed(piece, "fuzz stream"))
                if (event.data != "[DONE]")
                    reasoning::appendChatCompletionChunk(event.data, "fuzz stream", ++number, set, set.traces.front());
    });
}

bool chromeTrace(Bytes input)
{
    return accepts([&] { importChromeTrace(text(input), "fuzz.json"); });
}

// gateway_info.yml, tx_pos.csv, train_index.txt and spectrum/00001.png, as parts.
bool rfDataset(Bytes input)
{
    const auto parts = splitParts(input, 4);
    const fs::path folder = scratchFolder();
    const char* names[] = {"gateway_info.yml", "tx_pos.csv", "train_index.txt", "spectrum/00001.png"};
    fs::create_directories(folder / "spectrum");
    for (std::size_t i = 0; i < parts.size(); ++i)
        writeFile(folder / names[i], parts[i]);
    return accepts([&] { rf::loadRfDataset(folder); });
}

bool scene(Bytes input)
{
    return accepts([&] { rf::parseMultipathScene(text(input), "fuzz-scene.json"); });
}

// A session and its sidecar (parts: s.lstudio, s.1.npz). An accepted session is saved again in
// place: the save may only touch the scratch folder, which a canary beside it checks.
bool session(Bytes input)
{
    const auto parts = splitParts(input, 2);
    const fs::path folder = scratchFolder();
    const fs::path canary = folder.parent_path() / (folder.filename().string() + "-canary");
    if (!fs::exists(canary))
        writeFile(canary, "must survive");
    writeFile(folder / "s.lstudio", parts[0]);
    if (parts.size() > 1)
        writeFile(folder / "s.1.npz", parts[1]);
    const bool accepted = accepts([&] {
        const host::Session loaded = host::loadSession(folder / "s.lstudio");
        host::saveSession(loaded, folder / "s.lstudio");
    });
    if (!fs::exists(canary))
        std::abort(); // a session made the studio delete a file outside its folder
    return accepted;
}

bool lcmCheckpoint(Bytes input)
{
    return accepts([&] { consistency::loadCheckpoint(inputFile(input, "lcm.npz")); });
}

bool gsparcCheckpoint(Bytes input)
{
    return accepts([&] {
        const fs::path path = inputFile(input, "gsparc.npz");
        rf::checkpointFromNpz(readNpz(path), path.string());
    });
}

bool flatformerWeights(Bytes input)
{
    return accepts([&] { pointcloud::readFlatFormerWeights(inputFile(input, "weights.npz"), 4); });
}

} // namespace

std::vector<std::string> splitParts(Bytes input, std::size_t maxParts)
{
    std::vector<std::string> parts;
    std::string rest = text(input);
    while (parts.size() + 1 < maxParts) {
        const auto at = rest.find(kPartSeparator);
        if (at == std::string::npos)
            break;
        parts.push_back(rest.substr(0, at));
        rest.erase(0, at + kPartSeparator.size());
    }
    parts.push_back(std::move(rest));
    return parts;
}

fs::path scratchFolder()
{
    static const fs::path folder = fs::temp_directory_path() / ("ls-fuzz-" + std::to_string(::getpid())) / "scratch";
    std::error_code ec;
    fs::remove_all(folder, ec);
    fs::create_directories(folder);
    return folder;
}

const std::vector<Target>& targets()
{
    static const std::vector<Target> all{
        {"npy", npy},
        {"npz", npz},
        {"pcd", pcd},
        {"ply", ply},
        {"point_bin", pointBin},
        {"traces", traces},
        {"trace_file", traceFile},
        {"sse", serverSentEvents},
        {"chrome_trace", chromeTrace},
        {"rf_dataset", rfDataset},
        {"scene", scene},
        {"session", session},
        {"lcm_checkpoint", lcmCheckpoint},
        {"gsparc_checkpoint", gsparcCheckpoint},
        {"flatformer_weights", flatformerWeights},
        {"serving_prompts", servingPrompts},
    };
    return all;
}

const Target* findTarget(const std::string& name)
{
    for (const auto& target : targets())
        if (name == target.name)
            return &target;
    return nullptr;
}

} // namespace ls::fuzz
