#pragma once
// A scene for the multipath simulator, read from JSON:
// {
//   "room":      {"min": [x, y, z], "max": [x, y, z], "material": "concrete"},
//   "boxes":     [{"min": [...], "max": [...], "material": "metal"}],           // optional
//   "materials": {"concrete": {"reflection": [re, im]}, ...},                   // complex Γ
//   "receiver":  {"position": [x, y, z], "orientation": [qx, qy, qz, qw]},      // the gateway
//   "array":     {"rows": 4, "columns": 4, "spacingMetres": 0.16},              // in the receiver's xy plane
//   "frequenciesHz": [915e6],                                                    // CSI subcarriers; the first one beamforms
//   "reflectionOrder": 2,
//   "transmitters": {"min": [...], "max": [...], "count": [nx, ny, nz]},         // a grid of positions
//   "map": {"width": 360, "height": 90},
//   "testFraction": 0.2      // the transmitters with the largest x are held out (far from training)
// }
// Errors name the file and the field.
#include "SplatRenderer.h"

#include <array>
#include <complex>
#include <filesystem>
#include <string>
#include <vector>

namespace ls::rf {

struct Material {
    std::complex<double> reflection{-0.7, 0.0};
};

struct SceneBox {
    std::array<double, 3> min{}, max{};
    Material material;
};

struct MultipathScene {
    SceneBox room;
    std::vector<SceneBox> boxes; // obstacles: they block paths and reflect (first order)
    ReceiverPose receiver;
    int arrayRows = 4, arrayColumns = 4;
    double arraySpacingMetres = 0.16;
    std::vector<double> frequenciesHz{915e6};
    int reflectionOrder = 2;
    std::vector<std::array<float, 3>> transmitters;
    PixelMapping mapping;
    double testFraction = 0.2;
};

MultipathScene readMultipathScene(const std::filesystem::path& path);
MultipathScene parseMultipathScene(const std::string& jsonText, const std::string& source);

} // namespace ls::rf
