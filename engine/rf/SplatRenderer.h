#pragma once
// The GSpaRC renderer on the CPU (the reference the CUDA pipeline is checked against):
//   project  → each Gaussian's pixel centre, conic, 3σ radius, range and emission (GaussianField.h)
//   bin      → one (tile, range) key per 16×16 tile a splat touches; seam-straddling splats wrap
//   sort     → keys ordered by tile, then by range from the receiver (front to back)
//   composite→ per pixel, α = min(0.99, o·exp(−½ dᵀΣ⁻¹d)), skip α < 1/255, stop at T < 1e-4;
//              real and imaginary channels of every frequency in the same pass
// and the backward pass of all of it, to every parameter of the field.
#include "Compositing.h"
#include "GaussianField.h"
#include "HemisphereProjection.h"
#include "TileBinning.h"

#include "engine/core/LatencyRecorder.h"

#include <array>
#include <complex>
#include <memory>
#include <vector>

namespace ls::rf {

// Receiver position (world, metres) and orientation (receiver frame → world, quaternion w, x, y, z).
struct ReceiverPose {
    std::array<double, 3> position{0, 0, 0};
    std::array<double, 4> orientation{1, 0, 0, 0};
};
ReceiverFrame<double> receiverFrame(const ReceiverPose& pose);

enum class SpectrumQuantity { Magnitude, RealPart };

struct RenderSettings {
    PixelMapping mapping;            // 360 × 90: the RFID grid
    SpectrumQuantity quantity = SpectrumQuantity::Magnitude;
    // Gradient checks only: the 1/255 cut and the 3σ footprint make the rendered function jump
    // where a splat's edge crosses a pixel; with the cut at 0 and every splat on every tile it is
    // smooth, so finite differences see exactly what the backward pass computes.
    float alphaThreshold = kMinAlpha;
    bool splatsCoverWholeMap = false;
    // Benchmark baseline only: bin each splat by its 3σ radius, as every render did before the cut
    // extent (2026-12-07). The image is the same; only the tile lists are longer.
    bool binBy3SigmaRadius = false;
    // Benchmark baseline and reference only: composite one pixel at a time, the backward walk in
    // double, as every CPU render did before the eight-pixel lanes (CompositeLanes.h, 2026-12-07).
    bool scalarComposite = false;
};

struct RenderScratch; // RenderScratch.h
// Holds the CPU passes' scratch (RenderScratch.h), made on first use. Scratch is not state: a copy
// starts without any, and assigning keeps the target's own. The passes take it before their
// parallel loops, so two threads never make it at once; two renders of one state at the same
// time are not supported.
class RenderScratchHolder {
public:
    RenderScratchHolder();
    ~RenderScratchHolder();
    RenderScratchHolder(const RenderScratchHolder&);
    RenderScratchHolder& operator=(const RenderScratchHolder&);
    RenderScratchHolder(RenderScratchHolder&&) noexcept;
    RenderScratchHolder& operator=(RenderScratchHolder&&) noexcept;
    RenderScratch& get() const;

private:
    mutable std::unique_ptr<RenderScratch> scratch_;
};

// What the forward pass keeps for the backward pass (the "geometry, binning, image" state).
struct RenderState {
    // Per Gaussian [N]: radius 0 = not drawn (culled near the receiver or off the map).
    std::vector<float> u, v, range, opacity;
    std::vector<float> conic;    // [N, 3]
    std::vector<int> radius;     // pixels, 3σ
    std::vector<int> extent;     // [N, 2]: the cut extent's columns and rows (Compositing.h), what binning used
    std::vector<float> emission; // [N, 2F]
    TileBins bins;
    std::vector<float> finalTransmittance;   // [H, W]
    std::vector<std::uint32_t> contributors; // [H, W]: list entries composited up to the last one that counted
    RenderScratchHolder scratch; // the CPU passes' working arrays, kept from render to render
};

struct RenderResult {
    std::vector<float> channels; // [2F, H, W]: real, imaginary per frequency
    std::vector<float> spectrum; // [F, H, W]: magnitude (or the real channel) per frequency
    RenderState state;
};

// The projection stage alone (fills u, v, range, opacity, conic, radius, extent of `state`).
void projectSplatsCpu(const GaussianField& field, const ReceiverFrame<double>& frame, const RenderSettings& settings, RenderState& state);

// Several positions of the moving end in one pass (a training batch): projection, binning, sorting
// and every pixel's α are shared, each position's emission composites as channels of its own.
// Channels [B, 2F, H, W], spectrum [B, F, H, W], state.emission [N, B, 2F]: as one render whose
// field had B·F frequencies, so channelGradients and compositeBackwardCpu take it with F → B·F.
RenderResult renderCpu(const GaussianField& field, const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                       LatencyRecorder* recorder = nullptr);
// The same into `into`, reusing the memory of its arrays (a training step renders every step).
void renderCpuInto(const GaussianField& field, const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                   RenderResult& into, LatencyRecorder* recorder = nullptr);
inline RenderResult renderCpu(const GaussianField& field, const ReceiverPose& receiver, const std::array<float, 3>& movingEnd,
                              const RenderSettings& settings, LatencyRecorder* recorder = nullptr)
{
    return renderCpu(field, receiver, MovingEnds(&movingEnd, 1), settings, recorder);
}

// The brute-force reference: every pixel walks every projected Gaussian in range order with the
// same α rules, no tiles and no radius. What tiling is checked against (tests) and measured
// against (benchmark). Returns the channels [2F, H, W].
std::vector<float> renderUntiledCpu(const GaussianField& field, const ReceiverPose& receiver, const std::array<float, 3>& movingEnd,
                                    const RenderSettings& settings);

// Gradients of the loss with respect to what compositing sees of each splat: the composite
// backward's result (CPU walk or CUDA kernel), before the projection and the MLPs are chained.
struct CompositeGradients {
    std::vector<double> centre;   // [N, 2]  dL/du, dL/dv
    std::vector<double> conic;    // [N, 3]
    std::vector<double> opacity;  // [N]     dL/d(sigmoid output)
    std::vector<double> emission; // [N, 2F]
    CompositeGradients(std::size_t count, int outputs) : centre(count * 2), conic(count * 3), opacity(count), emission(count * outputs) {}
    void zero(std::size_t count, int outputs) // the same shapes as constructed, reusing the memory
    {
        centre.assign(count * 2, 0.0);
        conic.assign(count * 3, 0.0);
        opacity.assign(count, 0.0);
        emission.assign(count * outputs, 0.0);
    }
};

// dL/dchannels [2F, H, W] from dL/dspectrum [F, H, W] (through the magnitude, or the real part).
std::vector<double> channelGradients(const RenderResult& result, const std::vector<float>& spectrumGradient, int frequencies,
                                     SpectrumQuantity quantity);
void channelGradientsInto(const RenderResult& result, const std::vector<float>& spectrumGradient, int frequencies, SpectrumQuantity quantity,
                          std::vector<double>& into);

// The composite backward on the CPU: each pixel's splats walked back to front (Compositing.h).
CompositeGradients compositeBackwardCpu(const RenderSettings& settings, int outputs, const RenderState& state,
                                        const std::vector<double>& channelGradient);
// The same with the workers' partial sums kept in `perWorker` from call to call; the result is
// perWorker[0] (the others added into it in worker order, as above).
const CompositeGradients& compositeBackwardCpuInto(const RenderSettings& settings, int outputs, const RenderState& state,
                                                   const std::vector<double>& channelGradient, std::vector<CompositeGradients>& perWorker);

// The rest of the backward pass: compositing's gradients through the projection (duals) and the
// emission MLPs to every parameter; `centreGradientNorms` as in backwardCpu.
// `movingEnds`: the positions the render composited (one, or a batch).
GaussianField backwardFromComposite(const GaussianField& field, const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                                    const RenderState& state, const CompositeGradients& composite,
                                    std::vector<float>* centreGradientNorms = nullptr);
void backwardFromCompositeInto(const GaussianField& field, const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                               const RenderState& state, const CompositeGradients& composite, std::vector<float>* centreGradientNorms,
                               GaussianField& gradients);
inline GaussianField backwardFromComposite(const GaussianField& field, const ReceiverPose& receiver, const std::array<float, 3>& movingEnd,
                                           const RenderSettings& settings, const RenderState& state, const CompositeGradients& composite,
                                           std::vector<float>* centreGradientNorms = nullptr)
{
    return backwardFromComposite(field, receiver, MovingEnds(&movingEnd, 1), settings, state, composite, centreGradientNorms);
}

// dL/d(every parameter) from dL/dspectrum [F, H, W] for the render `result` of `field`. With
// `centreGradientNorms`, also ‖dL/d(u, v)‖ per Gaussian [N] (0 where not drawn): how hard the loss
// pulls each splat across the map, what densification watches.
// A batch render's (`movingEnds`, spectrumGradient [B, F, H, W]): the gradient of the summed loss.
GaussianField backwardCpu(const GaussianField& field, const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings,
                          const RenderResult& result, const std::vector<float>& spectrumGradient, std::vector<float>* centreGradientNorms = nullptr);
inline GaussianField backwardCpu(const GaussianField& field, const ReceiverPose& receiver, const std::array<float, 3>& movingEnd,
                                 const RenderSettings& settings, const RenderResult& result, const std::vector<float>& spectrumGradient,
                                 std::vector<float>* centreGradientNorms = nullptr)
{
    return backwardCpu(field, receiver, MovingEnds(&movingEnd, 1), settings, result, spectrumGradient, centreGradientNorms);
}

// Magnitude √(re² + im² + floor): the floor keeps its gradient finite where a pixel is empty.
inline constexpr float kMagnitudeFloor = 1e-10f;
std::vector<float> spectrumFromChannels(const std::vector<float>& channels, int frequencies, std::size_t pixels, SpectrumQuantity quantity);
void spectrumFromChannelsInto(const std::vector<float>& channels, int frequencies, std::size_t pixels, SpectrumQuantity quantity,
                              std::vector<float>& into);

// The paper's channel estimate: the mean of the complex map, per frequency.
std::vector<std::complex<float>> channelEstimate(const std::vector<float>& channels, int frequencies, const PixelMapping& mapping);

} // namespace ls::rf
