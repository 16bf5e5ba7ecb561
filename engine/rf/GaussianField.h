#pragma once
// The GSpaRC radio field: N 3D Gaussians, each with a tiny neural emission model of its own.
// Gaussian k emits, for the moving end at x (transmitter for RFID data, receiver for Sionna data),
//   z = W2·leaky(W1·x̂ + b1) + b2          x̂ = (x − inputCentre)/inputScale per axis, hidden 32, slope 0.01
//   emission_j = sigmoid(z_j − log(‖x − μ_k‖ + ε))   j < 2F: (real, imag) per frequency
// (or, as an option, amplitude and phase per frequency: EmissionForm.h)
// The −log distance inside the sigmoid is GSpaRC's physics feature: far from the emitter the
// sigmoid is in its exponential tail, so emission falls off like 1/d.
#include "EmissionForm.h"

#include "engine/core/Npz.h"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ls::rf {

inline constexpr float kLeakySlope = 0.01f;
inline constexpr int kMaxFrequenciesPerField = 64; // the per-Gaussian passes keep 2F values on the stack
inline constexpr float kDistanceEpsilon = 1e-2f; // metres, keeps log(d + ε) finite at the emitter

struct GaussianField {
    int frequencies = 1;
    int hidden = 32;
    EmissionForm emissionForm = EmissionForm::RealImaginary;
    // The MLPs see x̂ = (x − inputCentre)/inputScale per axis: the moving end's positions spread
    // over roughly ±1 whatever the scene's size (a tag moved by centimetres must move the input).
    std::array<float, 3> inputCentre{0, 0, 0};
    std::array<float, 3> inputScale{1, 1, 1};

    std::vector<float> means;         // [N, 3] metres, world
    std::vector<float> logScales;     // [N, 3] log metres
    std::vector<float> rotations;     // [N, 4] quaternion (w, x, y, z)
    std::vector<float> opacityLogits; // [N]
    std::vector<float> mlpW1;         // [N, hidden, 3]
    std::vector<float> mlpB1;         // [N, hidden]
    std::vector<float> mlpW2;         // [N, 2F, hidden]
    std::vector<float> mlpB2;         // [N, 2F]

    std::size_t count() const { return opacityLogits.size(); }
    int outputs() const { return 2 * frequencies; }

    // Same shapes, all zeros: the holder for gradients and optimiser moments.
    GaussianField zerosLike() const;
    // The same into `into`, reusing its arrays' memory (a training step's gradient, every step).
    void zerosLikeInto(GaussianField& into) const;
    // Every parameter array by name, in a fixed order (optimiser groups, checkpoints).
    std::vector<std::pair<std::string, std::vector<float>*>> parameterArrays();
    std::vector<std::pair<std::string, const std::vector<float>*>> parameterArrays() const;
    // Throws FormatError naming `source` when the arrays' sizes disagree with N, F and hidden.
    void checkShapes(const std::string& source) const;
};

struct GridInitialisation {
    std::array<float, 3> boxMin{}, boxMax{}; // metres
    float spacingMetres = 0.25f;
    int frequencies = 1;
    int hidden = 32;
    float initialOpacity = 0.1f;
    EmissionForm emissionForm = EmissionForm::RealImaginary;
    std::uint64_t seed = 1;
    std::array<float, 3> inputCentre{0, 0, 0}; // normalisation of the moving end's position
    std::array<float, 3> inputScale{1, 1, 1};
};

// Gaussians at the cell centres of a regular grid over the box; scale = the nearest-neighbour
// distance (the spacing, on a grid), identity rotation; emission weights drawn (He-style) from `seed`.
GaussianField initialiseOnGrid(const GridInitialisation& init);

// Positions of the moving end rendered together: the geometry does not depend on them, so one
// render composites each position's emission as channels of its own (SplatRenderer.h).
using MovingEnds = std::span<const std::array<float, 3>>;

// The emission of every Gaussian for B positions of the moving end: [N, B, 2F] (one position: [N, 2F]).
std::vector<float> emissions(const GaussianField& field, MovingEnds movingEnds);
void emissionsInto(const GaussianField& field, MovingEnds movingEnds, std::vector<float>& into); // reusing into's memory
inline std::vector<float> emissions(const GaussianField& field, const std::array<float, 3>& movingEnd)
{
    return emissions(field, MovingEnds(&movingEnd, 1));
}

// Adds the gradient of Σ dL/demission·emission ([N, B, 2F] both) to the MLP weights and means of
// `gradients` (GaussianBackward.h's per-Gaussian step, shared with the GPU); up to kMaxEmissionHidden wide.
inline constexpr int kMaxEmissionHidden = 256;
void emissionsBackward(const GaussianField& field, MovingEnds movingEnds, const std::vector<float>& emission,
                       const std::vector<double>& emissionGradient, GaussianField& gradients);

NpzArchive fieldToNpz(const GaussianField& field); // one member per parameter array, plus input_centre, input_scale, emission_form
GaussianField fieldFromNpz(const NpzArchive& archive, const std::string& source); // FormatError naming source

} // namespace ls::rf
