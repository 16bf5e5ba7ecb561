#pragma once
// What the CUDA renderer's forward file (SplatRendererCuda.cu) and backward file
// (SplatBackwardCuda.cu) share: the views of the field the kernels take, the buffers a field's
// upload and its last render leave on the device, and the launch helpers. Included by those two
// .cu files only.
#include "Compositing.h"
#include "GaussianBackward.h"
#include "SplatRendererCuda.h"

#include "engine/core/Error.h"
#include "engine/core/cuda/DeviceBuffer.h"
#include "engine/core/cuda/GpuStageTimer.h"
#include "engine/core/cuda/Workspace.h"

#include <cub/cub.cuh>

namespace ls::rf {

using cuda::DeviceBuffer;

constexpr int kThreads = 256;

struct FieldView {
    int count, hidden, outputs;
    EmissionForm form;
    const float *means, *logScales, *rotations, *opacityLogits, *w1, *b1, *w2, *b2;
    float3 inputCentre, inputScale;
};

// The positions of the moving end a render composites together (by value: a kernel argument).
struct MovingEndsView {
    int count;
    float3 at[kCudaMaxOutputs / 2];
};

__device__ inline void normalisedInput(const FieldView& field, float3 movingEnd, float input[3])
{
    const float position[3] = {movingEnd.x, movingEnd.y, movingEnd.z};
    const float centre[3] = {field.inputCentre.x, field.inputCentre.y, field.inputCentre.z};
    const float scale[3] = {field.inputScale.x, field.inputScale.y, field.inputScale.z};
    normaliseMovingEnd(position, centre, scale, input);
}

inline int blocksFor(long count) { return static_cast<int>((count + kThreads - 1) / kThreads); }

// What the last render leaves on the device for its backward pass: pieces of the renderer's
// workspaces, valid until the next render.
struct LastRender {
    int count = 0, tiles = 0;
    int channels = 0; // per Gaussian: B·2F
    RenderSettings settings;
    ReceiverFrame<float> frame{};
    MovingEndsView movingEnds{};
    const float *u = nullptr, *v = nullptr, *conic = nullptr, *opacity = nullptr, *emission = nullptr, *transmittance = nullptr;
    const int* radius = nullptr;
    const std::uint32_t *sortedIds = nullptr, *tileBegin = nullptr, *contributors = nullptr;
};

// The composite backward's per-splat gradients, and room for the field backward's per-parameter
// gradients (in GaussianField::parameterArrays() order) and centre-gradient norms: pieces of the
// backward workspace, carved together so neither pass invalidates the other's.
struct SplatGradientsOnDevice {
    float *centre, *conic, *opacity, *emission;
    float* field[8];
    float* centreNorms;
};

struct SplatRendererCuda::Buffers {
    GaussianField host; // the host copy: shapes and the input normalisation the kernels need
    DeviceBuffer<float> means, logScales, rotations, opacityLogits, w1, b1, w2, b2;
    std::unique_ptr<LastRender> last; // null until a render of this upload
    // Grown, never shrunk, and reused by every render and backward pass: per Gaussian and pixel;
    // per tile-list entry (sized once the scan has counted them); the backward pass's gradients.
    cuda::Workspace forward, entries, backward;

    FieldView view() const
    {
        return {static_cast<int>(host.count()), host.hidden, host.outputs(), host.emissionForm, means.data(), logScales.data(), rotations.data(),
                opacityLogits.data(), w1.data(), b1.data(), w2.data(), b2.data(),
                make_float3(host.inputCentre[0], host.inputCentre[1], host.inputCentre[2]),
                make_float3(host.inputScale[0], host.inputScale[1], host.inputScale[2])};
    }
    // The composite backward of the last render, left on the device; checks the gradient's size.
    SplatGradientsOnDevice compositeBackward(const std::vector<double>& channelGradient, cuda::GpuStageTimer& timer);
};


} // namespace ls::rf
