#pragma once
// Spectra with the position of the moving end, and the fixed end's pose: what GSpaRC trains on.
//
// NeRF² / WRF-GS RFID layout (a folder):
//   spectrum/NNNNN.png   H×W 8-bit greyscale, columns azimuth, rows elevation (HemisphereProjection.h)
//   tx_pos.csv           optional header "x,y,z", row k ↔ spectrum/{k+1:05d}.png, metres
//   gateway_info.yml     receiver position [x, y, z] and orientation [qx, qy, qz, qw]
//   train_index.txt, test_index.txt   sample numbers (the PNG numbers), one per line; optional
// Sionna-style layout (arrays): spectra.npy [N, H, W] (or [N, F, H, W]) in 0 … 1, positions.csv with
// one "x,y,z" row per spectrum (the receiver's positions), receiver.json {"position", "orientation"}
// holding the fixed transmitter's pose; the moving end is then the receiver.
#include "SplatRenderer.h"

#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace ls::rf {

struct SpectrumSample {
    int number = 0;                     // the file number (RFID) or row (arrays)
    std::array<float, 3> movingEnd{};   // transmitter (RFID) or receiver (Sionna) position, metres
    std::vector<float> spectrum;        // [F, H, W] in 0 … 1
};

struct RfDataset {
    std::string source;
    ReceiverPose receiver;
    PixelMapping mapping;
    int frequencies = 1;
    std::vector<SpectrumSample> samples;
    std::vector<std::size_t> train, test; // positions in `samples`; test empty when the folder names none
};

// Loads either layout (decided by what the folder holds). FileError/FormatError name the file and
// line or field at fault.
RfDataset loadRfDataset(const std::filesystem::path& folder);

// A seeded held-out split of `train` when the dataset names no test samples: `fraction` of the
// training samples move to `test` (at least one of each).
void holdOutFromTraining(RfDataset& dataset, double fraction, std::uint64_t seed);

// The scene box the grid initialisation covers by default: the moving end's positions and the
// receiver, padded by `marginMetres` on every side.
std::pair<std::array<float, 3>, std::array<float, 3>> sceneBox(const RfDataset& dataset, float marginMetres);

// Centre and half-range per axis of the moving end's positions (a floor of 5 cm on each axis, so a
// coordinate that never changes does not divide by zero): what the emission MLPs normalise by.
std::pair<std::array<float, 3>, std::array<float, 3>> movingEndSpread(const RfDataset& dataset);

} // namespace ls::rf
