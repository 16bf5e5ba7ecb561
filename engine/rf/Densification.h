#pragma once
// Adaptive density control, after 3D Gaussian Splatting (Kerbl et al. 2023, §5.2): while training,
// Gaussians the loss keeps pulling across the map (a large mean ‖dL/d(u, v)‖ over the steps they
// were drawn) are where the field is under-resolved. Small ones are cloned (a copy at the same
// place, which the next steps pull apart); large ones are split into two children drawn from the
// parent's own distribution, with scales divided by 1.6. Nearly transparent Gaussians are pruned.
// New Gaussians start with fresh optimiser moments; their emission MLPs are copies of the parent's.
#include "GaussianField.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ls::rf {

struct DensifySettings {
    bool enabled = false;
    long from = 100;    // steps before the first pass: gradients of a fresh field say little
    long every = 100;   // steps between passes
    double until = 0.5; // fraction of the run after which the set stays fixed (3DGS: 15k of 30k)
    // Mean ‖dL/d(u, v)‖ (per pixel of displacement) above which a Gaussian densifies. The loss is a
    // mean over the map's pixels, so this is small; 2e-5 clones or splits a few percent of the
    // RFID sample's field per pass.
    double gradientThreshold = 2e-5;
    double splitScale = 0.01;   // of the scene extent (diagonal of the means' box): larger Gaussians split
    double pruneOpacity = 0.005;
    std::size_t maxGaussians = 60000;
    // 3DGS's opacity reset: every this many steps while densifying (0: never), every opacity above
    // `resetOpacity` is lowered to it and the opacities' Adam moments start again, so Gaussians the
    // loss no longer needs fade below `pruneOpacity` and are pruned. 3DGS: every 3,000 of 15,000
    // densifying steps; the GSpaRC code: every 4,000.
    long opacityResetEvery = 0;
    double resetOpacity = 0.01;
};

// What a run carries between passes (checkpointed, so a resumed run densifies exactly the same).
struct DensifyStatistics {
    std::vector<float> gradientSum; // [N] Σ ‖dL/d(u, v)‖ over the steps each Gaussian was drawn
    std::vector<float> drawnCount;  // [N] those steps
    void reset(std::size_t count);
    // One step's norms (0 for Gaussians not drawn, as backwardCpu reports them).
    void add(const std::vector<float>& centreGradientNorms, const std::vector<int>& radius);
};

struct DensifyTally {
    std::size_t cloned = 0, split = 0, pruned = 0;
    bool changed() const { return cloned + split + pruned > 0; }
};

// Whether `step` (1-based, just completed) of a run of `iterations` is a densification pass.
bool densifiesAt(const DensifySettings& settings, long step, long iterations);

// Whether `step` (1-based, just completed) resets the opacities: a multiple of opacityResetEvery
// before the densifying part of the run ends (as 3DGS, which resets only while it densifies).
bool resetsOpacityAt(const DensifySettings& settings, long step, long iterations);

// Lowers every opacity above `ceiling` to it and zeroes the opacities' Adam moments (3DGS replaces
// the optimiser's state for them); returns how many were lowered.
std::size_t resetOpacities(GaussianField& field, GaussianField& firstMoment, GaussianField& secondMoment, double ceiling);

// Rewrites the field and both Adam moments (same rows in the same order), resets the statistics.
// Children's positions are drawn from `seed`; the same inputs give the same field.
DensifyTally densifyAndPrune(GaussianField& field, GaussianField& firstMoment, GaussianField& secondMoment, DensifyStatistics& statistics,
                             const DensifySettings& settings, std::uint64_t seed);

// Rows of every parameter array of `field`, in the order `rows` names them (repeats duplicate).
GaussianField gatherGaussians(const GaussianField& field, const std::vector<std::size_t>& rows);

} // namespace ls::rf
