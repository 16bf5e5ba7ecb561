#pragma once
// Parameters the GSpaRC engines share, and reading the dataset and checkpoint they name.
#include "FieldTraining.h"

#include "engine/core/Device.h"
#include "engine/core/Parameters.h"

namespace ls::rf {

ParameterSpec datasetParameterSpec();    // "dataset": a folder (RFID layout or spectra.npy)
ParameterSpec checkpointParameterSpec(std::string key, std::string label, std::string help);
ParameterSpec holdoutParameterSpec();    // "holdout": fraction held out when the folder names no test split
ParameterSpec splitSeedParameterSpec();  // "splitSeed"
ParameterSpec nearestParameterSpec();    // "k": the k-NN baseline's k

// The training recipe gsparc-train and gsparc-cv share: steps, batch, grid, MLP, rates, loss,
// quantity, seed, densification; and what they read from it.
std::vector<ParameterSpec> trainingRecipeSpecs();
SpectrumQuantity quantityFromParameters(const ParameterValues& values);
GaussianField initialFieldFromParameters(const RfDataset& dataset, const ParameterValues& values); // on a grid over the scene box
TrainingSettings trainingSettingsFromParameters(const ParameterValues& values, const DeviceInfo& device);

// The dataset with its held-out split made (test_index.txt, or `holdout` of the training samples).
RfDataset datasetFromParameters(const ParameterValues& values);
TrainingState checkpointFromParameter(const ParameterValues& values, const std::string& key);

} // namespace ls::rf
