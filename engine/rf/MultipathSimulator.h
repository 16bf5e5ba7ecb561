#pragma once
// Ground truth with no download: an image-source simulator of a box room with boxes inside.
// Every wall and box face is a reflecting plane (complex Γ); image sources up to the scene's
// reflection order are validated by tracing each path back from the receiver through its
// reflection points (each must lie on its face, in order) and dropped when a box blocks a leg.
// A path of length L carries Γ₁⋯Γₙ·λ/(4πL)·e^{−j2πL/λ} (free-space loss and phase). From the paths:
//   - the spatial spectrum: Bartlett beamforming of the planar array's snapshot over the map's
//     directions at the first frequency, min–max normalised like the RFID data;
//   - the CSI per subcarrier at the array centre.
#include "MultipathScene.h"
#include "RfDataset.h"

#include <functional>

namespace ls::rf {

inline constexpr double kSpeedOfLight = 299792458.0;

struct PropagationPath {
    std::array<double, 3> imageSource{}; // world, metres
    double lengthMetres = 0;
    std::complex<double> reflection{1.0, 0.0}; // product of the faces' Γ
    int order = 0;
};

std::vector<PropagationPath> tracePaths(const MultipathScene& scene, const std::array<float, 3>& transmitter);

// Σ over paths of Γ·λ/(4πL)·e^{−j2πfL/c}, per frequency.
std::vector<std::complex<double>> channelResponse(const std::vector<PropagationPath>& paths, const std::vector<double>& frequenciesHz);

// Bartlett power |wᴴx|/M over the map's directions [H, W], min–max normalised to 0 … 1.
std::vector<float> bartlettSpectrum(const MultipathScene& scene, const std::vector<PropagationPath>& paths);

struct SimulatedDataset {
    RfDataset dataset;                                   // train: the transmitters nearest the low-x side
    std::vector<std::vector<std::complex<double>>> csi;  // [N][F]
    std::vector<std::size_t> pathCounts;                 // [N]
};

SimulatedDataset simulateDataset(const MultipathScene& scene, const std::function<void(double)>& progress,
                                 const std::function<bool()>& cancelled);

// The RFID layout (spectrum/NNNNN.png, tx_pos.csv, gateway_info.yml, train_index.txt,
// test_index.txt) plus csi.npy [N, F, 2] (real, imaginary), so gsparc-train reads it as it is.
void writeSimulatedDataset(const SimulatedDataset& simulated, const std::filesystem::path& folder);

} // namespace ls::rf
