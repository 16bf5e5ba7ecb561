#include "SweepFile.h"

#include "engine/core/Error.h"

#include <sstream>

namespace ls::studio {

std::vector<std::string> parseSweepValues(const ParameterSpec& spec, const std::string& text)
{
    std::vector<std::string> values;
    std::string current;
    auto flush = [&] {
        if (current.empty())
            return;
        // The schema's own parser and range check, so the file holds only what a run accepts.
        const std::string problem = validateOne(spec, parseParameterValue(spec, current));
        if (!problem.empty())
            throw ArgumentError(spec.key + ": " + current + ": " + problem);
        values.push_back(current);
        current.clear();
    };
    for (char c : text) {
        if (c == ',' || c == ';' || (c == ' ' && spec.type != ParameterType::Text))
            flush();
        else
            current += c;
    }
    flush();
    return values;
}

namespace {
// A value as JSON: numbers and booleans as such (the CLI passes them to applyAssignment as text).
nlohmann::ordered_json jsonValue(const ParameterSpec& spec, const std::string& text)
{
    switch (spec.type) {
    case ParameterType::Int: return std::stoll(text);
    case ParameterType::Float: return std::stod(text);
    case ParameterType::Bool: return text == "true" || text == "1" || text == "yes" || text == "on";
    default: return text;
    }
}
} // namespace

nlohmann::ordered_json sweepDocument(const ParameterSchema& schema, const SweepChoices& choices)
{
    if (choices.grid.empty())
        throw ArgumentError("list values for at least one parameter to sweep");
    nlohmann::ordered_json document;
    document["engine"] = choices.engineId;
    nlohmann::ordered_json fixed = nlohmann::ordered_json::object();
    for (const ParameterSpec& spec : schema.specs) {
        if (choices.grid.count(spec.key) || (spec.key == "seed" && !choices.seeds.empty()))
            continue;
        const auto found = choices.current.find(spec.key);
        if (found == choices.current.end())
            continue;
        const std::string text = formatParameterValue(found->second);
        if (spec.type == ParameterType::File && text.empty())
            continue; // the engine's default (a built-in input)
        fixed[spec.key] = spec.type == ParameterType::Vector ? nlohmann::ordered_json(text) : jsonValue(spec, text);
    }
    document["parameters"] = fixed;
    nlohmann::ordered_json grid = nlohmann::ordered_json::object();
    for (const ParameterSpec& spec : schema.specs) // in the schema's order
        if (const auto found = choices.grid.find(spec.key); found != choices.grid.end()) {
            nlohmann::ordered_json values = nlohmann::ordered_json::array();
            for (const auto& value : found->second)
                values.push_back(jsonValue(spec, value));
            grid[spec.key] = values;
        }
    for (const auto& [key, values] : choices.grid)
        if (!schema.find(key))
            throw ArgumentError("'" + key + "' is not a parameter of " + choices.engineId);
    document["grid"] = grid;
    if (!choices.seeds.empty()) {
        if (!schema.find("seed"))
            throw ArgumentError(choices.engineId + " has no seed parameter to sweep");
        document["seeds"] = choices.seeds;
    }
    document["repeats"] = choices.repeats;
    document["warmup"] = choices.warmup;
    document["devices"] = choices.devices;
    document["schedule"] = choices.dynamic ? "dynamic" : "static";
    return document;
}

std::size_t sweepRunCount(const SweepChoices& choices)
{
    std::size_t runs = choices.grid.empty() ? 0 : 1;
    for (const auto& [key, values] : choices.grid)
        runs *= values.size();
    return runs * std::max<std::size_t>(1, choices.seeds.size()) * std::max<std::size_t>(1, choices.devices.size());
}

std::string sbatchScript(const std::string& sweepFileName, const std::string& sessionFileName, int ranks, bool gpus)
{
    std::ostringstream script;
    script << "#!/bin/bash\n"
           << "# A Latency Studio sweep on a Slurm cluster: " << ranks << " tasks share the runs of " << sweepFileName << ";\n"
           << "# rank 0 writes " << sessionFileName << ". Submit from this folder: sbatch " << "sweep.sbatch\n"
           << "#SBATCH --job-name=latency-sweep\n"
           << "#SBATCH --ntasks=" << ranks << "\n"
           << "#SBATCH --cpus-per-task=4\n";
    if (gpus)
        script << "#SBATCH --gpus-per-task=1   # each rank pins its own GPU (devices \"cuda\" or \"auto\")\n";
    script << "#SBATCH --time=01:00:00\n"
           << "#SBATCH --output=latency-sweep-%j.log\n\n"
           << "export LATENCY_STUDIO_THREADS=${SLURM_CPUS_PER_TASK:-4}  # each rank's CPU threads\n"
           << "# scancel --signal=USR1 <job> stops the sweep cleanly: the runs done are written.\n"
           << "srun --mpi=pmix latency-studio-cli sweep " << sweepFileName << " --session-out " << sessionFileName << "\n";
    return script.str();
}

} // namespace ls::studio
