#pragma once
// The GSpaRC forward pipeline on the GPU: the same function as renderCpu (SplatRenderer.h),
// stage for stage — emission MLPs and projection (one thread per Gaussian, sharing
// HemisphereProjection.h with the CPU), tile keys (exclusive scan of tile counts, then one key per
// tile touched), CUB radix sort of the keys, per-tile list ranges, and compositing with one block
// per 16×16 tile (a thread per pixel, splats staged through shared memory). Stages are timed with
// CUDA events on the recorder's "gpu" lane; and the backward pass of the last render (compositing,
// then projection and emission MLPs). Only built when CUDA is (LS_HAS_CUDA).
#include "SplatRenderer.h"

#include "engine/core/Collective.h"

#include <memory>

namespace ls::rf {

inline constexpr int kCudaMaxHidden = 128; // emission MLP width the kernels support
inline constexpr int kCudaMaxOutputs = 64; // channels per pass, B·2F: up to 32 maps (frequencies × positions)

// What a render brings back to the host besides the maps: the whole RenderState (the studio, the
// tests), or for a training step only what it reads there (the splat radii, for densification);
// the backward pass uses the copy left on the device either way.
enum class RenderDownload { WholeState, ForTraining };

class SplatRendererCuda {
public:
    explicit SplatRendererCuda(int deviceIndex);
    ~SplatRendererCuda();
    SplatRendererCuda(const SplatRendererCuda&) = delete;
    SplatRendererCuda& operator=(const SplatRendererCuda&) = delete;

    // Uploads the field (kept on the device until the next upload). Throws ArgumentError when the
    // field is wider than the kernels support.
    void upload(const GaussianField& field);
    // Renders for one position of the moving end: channels [2F, H, W] and spectrum [F, H, W]; or for
    // a batch of them in one pass, laid out as renderCpu's batch (B·2F ≤ kCudaMaxOutputs).
    RenderResult render(const ReceiverPose& receiver, MovingEnds movingEnds, const RenderSettings& settings, LatencyRecorder* recorder = nullptr,
                        RenderDownload download = RenderDownload::WholeState);
    RenderResult render(const ReceiverPose& receiver, const std::array<float, 3>& movingEnd, const RenderSettings& settings,
                        LatencyRecorder* recorder = nullptr)
    {
        return render(receiver, MovingEnds(&movingEnd, 1), settings, recorder);
    }
    // The composite backward of the last render, from dL/dchannels [B·2F, H, W] (channelGradients):
    // one thread per pixel walking its splats back to front with the CPU walk's per-splat step
    // (Compositing.h), atomics into per-splat gradients, timed as "composite backward" on the GPU
    // lane. (backwardFromComposite chains the rest on the CPU; backwardField does it here.)
    CompositeGradients backwardComposite(const std::vector<double>& channelGradient, LatencyRecorder* recorder = nullptr);
    // The whole backward pass of the last render on the GPU: the composite backward above, then a
    // thread per Gaussian through its projection and emission MLP into every parameter's gradient
    // (GaussianBackward.h: the CPU's per-Gaussian steps, in float), timed as "field backward";
    // only the gradient field comes back. `centreGradientNorms` as in backwardCpu.
    // With `sumOver` (data-parallel ranks), the gradient is summed over the ranks on the device
    // before it comes back, when the collective can (NCCL); `summed` says whether it was.
    GaussianField backwardField(const std::vector<double>& channelGradient, std::vector<float>* centreGradientNorms = nullptr,
                                LatencyRecorder* recorder = nullptr, Collective* sumOver = nullptr, bool* summed = nullptr);
    // How often the renderer's device workspaces grew (each a cudaMalloc): renders and backward
    // passes of a field that keeps its size allocate nothing after the first.
    int workspaceAllocations() const;

private:
    struct Buffers;
    std::unique_ptr<Buffers> buffers_;
    int device_;
};

} // namespace ls::rf
