#pragma once
// What Run → Sweep… writes: a sweep file for `latency-studio-cli sweep` (app/cli/SweepPlan.h) from
// the engine's current parameters and the values the user lists per parameter, and an sbatch
// script that runs it on a Slurm cluster. Qt-free, so tests read exactly what the dialog writes.
#include "engine/core/Parameters.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace ls::studio {

struct SweepChoices {
    std::string engineId;
    ParameterValues current;                            // the parameters panel's values: fixed unless swept
    std::map<std::string, std::vector<std::string>> grid; // parameter -> the values to sweep, as typed
    std::vector<std::int64_t> seeds;                    // for the engine's "seed" parameter; empty: none
    int repeats = 5, warmup = 1;
    std::vector<std::string> devices{"auto"};
    bool dynamic = false;
};

// Parses "1000, 5000; 20000" for a parameter (commas, semicolons or spaces between values), each
// value checked against the schema; throws ArgumentError naming the parameter and the value.
std::vector<std::string> parseSweepValues(const ParameterSpec& spec, const std::string& text);
// The sweep file's JSON; throws ArgumentError when nothing is swept or a value is invalid.
nlohmann::ordered_json sweepDocument(const ParameterSchema& schema, const SweepChoices& choices);
std::size_t sweepRunCount(const SweepChoices& choices);
// An sbatch script for `ranks` tasks (one GPU each when `gpus`), running the sweep file beside it.
std::string sbatchScript(const std::string& sweepFileName, const std::string& sessionFileName, int ranks, bool gpus);

} // namespace ls::studio
