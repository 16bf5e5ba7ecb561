#pragma once
// A sweep file: one engine, a grid (or a list) of parameter values, seeds, repeats and devices,
// expanded into the runs `latency-studio-cli sweep` spreads over MPI ranks. JSON:
//
//   {"engine": "template", "parameters": {"points": 20000},
//    "grid": {"points": [1000, 5000, 20000], "noise": [0, 0.1]},   or "list": [{...}, {...}]
//    "seeds": [1, 2], "seed_parameter": "seed", "repeats": 5, "warmup": 1,
//    "devices": ["cpu"], "schedule": "static"}
//
// The same keys in YAML (.yaml, .yml). Unknown keys are refused (a misspelt key must not silently
// sweep nothing).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ls::cli {

struct SweepRun {
    int index = 0;              // in the sweep's order (grid order, then seeds, then devices)
    nlohmann::json point;       // the varied parameters' values of this run
    std::int64_t seed = 0;      // when the sweep names seeds
    bool hasSeed = false;
    std::string device;         // as written: "cpu", "cuda", "cuda:1", "auto"
};

struct SweepPlan {
    std::string engine;
    nlohmann::json fixed = nlohmann::json::object(); // parameters every run sets
    std::vector<std::string> varied;                  // the grid's or list's keys, in order
    std::vector<SweepRun> runs;
    std::string seedParameter = "seed";
    int repeats = 1, warmup = 1;
    bool repeatsGiven = false, warmupGiven = false;
    bool dynamic = false; // "schedule": "dynamic": ranks take the next run when free
};

// Throws FormatError naming `source` and the field for anything it does not understand.
// An ordered document keeps the grid's keys in the order written: the runs follow it.
SweepPlan parseSweepPlan(const nlohmann::ordered_json& document, const std::string& source);
SweepPlan readSweepPlan(const std::string& path);

// "key=value" for applyAssignment: strings as they are, numbers and booleans as JSON writes them.
std::string assignmentFor(const std::string& key, const nlohmann::json& value);
// "points=5000, noise=0.1, seed 2, cpu"
std::string describeSweepRun(const SweepPlan& plan, const SweepRun& run);

} // namespace ls::cli
