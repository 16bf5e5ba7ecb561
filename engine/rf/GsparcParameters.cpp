#include "GsparcParameters.h"

#include "engine/core/Error.h"

namespace ls::rf {

ParameterSpec datasetParameterSpec()
{
    return {.key = "dataset", .label = "Dataset folder", .type = ParameterType::File, .defaultValue = std::string(),
            .help = "An RFID-layout folder (spectrum/NNNNN.png, tx_pos.csv, gateway_info.yml, train_index.txt, optional test_index.txt) "
                    "or an array folder (spectra.npy, positions.csv, receiver.json).",
            .fileFilter = "folder"};
}

ParameterSpec checkpointParameterSpec(std::string key, std::string label, std::string help)
{
    return {.key = std::move(key), .label = std::move(label), .type = ParameterType::File, .defaultValue = std::string(), .help = std::move(help),
            .fileFilter = "GSpaRC checkpoints (*.npz)"};
}

ParameterSpec holdoutParameterSpec()
{
    return {.key = "holdout", .label = "Held out", .type = ParameterType::Float, .defaultValue = 0.2, .minimum = 0.01, .maximum = 0.9,
            .help = "Fraction of the training spectra held out for scoring when the folder has no test_index.txt."};
}

ParameterSpec splitSeedParameterSpec()
{
    return {.key = "splitSeed", .label = "Split seed", .type = ParameterType::Int, .defaultValue = std::int64_t{1}, .minimum = 0, .maximum = 9.0e15,
            .help = "Seed of the held-out split (the same seed in gsparc-eval gives the same split)."};
}

ParameterSpec nearestParameterSpec()
{
    return {.key = "k", .label = "k-NN baseline k", .type = ParameterType::Int, .defaultValue = std::int64_t{3}, .minimum = 1, .maximum = 64,
            .help = "The second baseline averages the spectra of the k nearest training positions."};
}

RfDataset datasetFromParameters(const ParameterValues& values)
{
    const std::string& folder = stringParameter(values, "dataset");
    if (folder.empty())
        throw ArgumentError("dataset: give a dataset folder (the bundled sample: assets/rf/rfid-s23)");
    RfDataset dataset = loadRfDataset(folder);
    holdOutFromTraining(dataset, floatParameter(values, "holdout"), static_cast<std::uint64_t>(intParameter(values, "splitSeed")));
    return dataset;
}

TrainingState checkpointFromParameter(const ParameterValues& values, const std::string& key)
{
    const std::string& file = stringParameter(values, key);
    if (file.empty())
        throw ArgumentError(key + ": give a checkpoint .npz written by gsparc-train (latency-studio-cli run gsparc-train --out ckpt.npz)");
    return checkpointFromNpz(readNpz(file), file);
}

} // namespace ls::rf
