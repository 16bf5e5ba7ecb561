#pragma once
// One Gaussian's emission (its MLP's forward pass), and its backward pass once compositing has its
// splat's gradients, shared by the CPU loops (GaussianField.cpp, SplatBackwardCpu.cpp, in double
// for the backward) and the CUDA kernels (SplatRendererCuda.cu and SplatBackwardCuda.cu, in float), so the
// finite-difference tests of the CPU path check the GPU's arithmetic too:
//  - the projection (mean, log-scale, quaternion → pixel centre and conic), evaluated on duals
//    (Dual.h), chained with dL/d(u, v, conic); the opacity logit through the sigmoid;
//  - the emission MLP and the distance feature (GaussianField.h), chained with dL/d emission.
#include "Dual.h"
#include "GaussianField.h"
#include "HemisphereProjection.h"

namespace ls::rf {

// One Gaussian's rows of a gradient field (GaussianField's layout); the functions add into them.
struct GaussianGradientRows {
    float *mean, *logScale, *rotation, *opacityLogit, *w1, *b1, *w2, *b2;
};

// dL/d(u, v) `centre`, dL/d conic, dL/d opacity (the sigmoid's output, `opacity`) of a drawn splat
// → its mean, log-scale, quaternion and opacity logit.
template <class T, class B>
LS_HOST_DEVICE void projectionBackwardOne(const float* mean, const float* logScale, const float* quaternion, const ReceiverFrame<B>& frame,
                                          const PixelMapping& mapping, const T centre[2], const T conic[3], T opacityGradient, T opacity,
                                          GaussianGradientRows out)
{
    using D = Dual<T, 10>; // inputs: mean (3), log-scale (3), quaternion (4)
    D m[3], s[3], q[4];
    for (int i = 0; i < 3; ++i) {
        m[i] = D::variable(static_cast<T>(mean[i]), i);
        s[i] = D::variable(static_cast<T>(logScale[i]), 3 + i);
    }
    for (int i = 0; i < 4; ++i)
        q[i] = D::variable(static_cast<T>(quaternion[i]), 6 + i);
    SplatGeometry<D> geometry{};
    projectGaussian(m, s, q, frame, mapping, geometry);
    const D* outputs[5] = {&geometry.u, &geometry.v, &geometry.conicA, &geometry.conicB, &geometry.conicC};
    const T upstream[5] = {centre[0], centre[1], conic[0], conic[1], conic[2]};
    T input[10] = {};
    for (int k = 0; k < 5; ++k)
        for (int i = 0; i < 10; ++i)
            input[i] += upstream[k] * outputs[k]->d[i];
    for (int i = 0; i < 3; ++i) {
        out.mean[i] += static_cast<float>(input[i]);
        out.logScale[i] += static_cast<float>(input[3 + i]);
    }
    for (int i = 0; i < 4; ++i)
        out.rotation[i] += static_cast<float>(input[6 + i]);
    *out.opacityLogit += static_cast<float>(opacityGradient * opacity * (T(1) - opacity));
}

// One Gaussian's emission [2F] for the moving end at `movingEnd` (world), `input` its normalised
// position x̂: z = W2·leaky(W1·x̂ + b1) + b2, then EmissionForm.h with the distance feature.
template <int MaxHidden>
LS_HOST_DEVICE void emissionOne(EmissionForm form, const float* w1, const float* b1, const float* w2, const float* b2, int hidden, int outputs,
                                const float input[3], const float* mean, const float movingEnd[3], float* emission)
{
    float activation[MaxHidden];
    for (int h = 0; h < hidden; ++h) {
        const float pre = b1[h] + w1[h * 3] * input[0] + w1[h * 3 + 1] * input[1] + w1[h * 3 + 2] * input[2];
        activation[h] = pre > 0 ? pre : kLeakySlope * pre;
    }
    const float dx = mean[0] - movingEnd[0], dy = mean[1] - movingEnd[1], dz = mean[2] - movingEnd[2];
    const float logDistance = ::log(::sqrt(dx * dx + dy * dy + dz * dz) + kDistanceEpsilon);
    float z[2 * kMaxFrequenciesPerField];
    for (int o = 0; o < outputs; ++o) {
        z[o] = b2[o];
        for (int h = 0; h < hidden; ++h)
            z[o] += w2[o * hidden + h] * activation[h];
    }
    emissionFromOutputs(form, z, logDistance, outputs, emission);
}

// dL/d emission [2F] of one Gaussian (its emission [2F] from the forward pass) → its MLP weights
// (w1 [hidden, 3], b1 [hidden], w2 [2F, hidden], b2 [2F]) and, through −log(‖x − μ‖ + ε), its mean.
// `input` is the normalised moving end x̂ the MLP saw. Does nothing for a Gaussian no pixel drew.
template <class T, int MaxHidden>
LS_HOST_DEVICE void emissionBackwardOne(EmissionForm form, const float* w1, const float* b1, const float* w2, int hidden, int outputs, const float input[3],
                                        const float* mean, const float movingEnd[3], const float* emission, const T* emissionGradient,
                                        GaussianGradientRows out)
{
    bool any = false;
    for (int o = 0; o < outputs; ++o)
        any = any || emissionGradient[o] != T(0);
    if (!any)
        return;
    float pre[MaxHidden];
    T activationGradient[MaxHidden];
    for (int h = 0; h < hidden; ++h) {
        pre[h] = b1[h] + w1[h * 3] * input[0] + w1[h * 3 + 1] * input[1] + w1[h * 3 + 2] * input[2];
        activationGradient[h] = T(0);
    }
    T zGradient[2 * kMaxFrequenciesPerField];
    const T logDistanceGradient = outputsGradient(form, emission, emissionGradient, outputs, zGradient); // dL/d(log(d + ε))
    for (int o = 0; o < outputs; ++o) {
        const T dz = zGradient[o];
        out.b2[o] += static_cast<float>(dz);
        for (int h = 0; h < hidden; ++h) {
            const float activation = pre[h] > 0 ? pre[h] : kLeakySlope * pre[h];
            out.w2[o * hidden + h] += static_cast<float>(dz * activation);
            activationGradient[h] += dz * w2[o * hidden + h];
        }
    }
    for (int h = 0; h < hidden; ++h) {
        const T dpre = activationGradient[h] * (pre[h] > 0 ? T(1) : T(kLeakySlope));
        out.b1[h] += static_cast<float>(dpre);
        for (int axis = 0; axis < 3; ++axis)
            out.w1[h * 3 + axis] += static_cast<float>(dpre * input[axis]);
    }
    // log(‖μ − x‖ + ε): ∂/∂μ = (μ − x)/(‖μ − x‖·(‖μ − x‖ + ε))
    const T dx = T(mean[0]) - T(movingEnd[0]), dy = T(mean[1]) - T(movingEnd[1]), dz = T(mean[2]) - T(movingEnd[2]);
    const T distance = sqrt(dx * dx + dy * dy + dz * dz);
    if (distance > T(0)) {
        const T scale = logDistanceGradient / (distance * (distance + T(kDistanceEpsilon)));
        out.mean[0] += static_cast<float>(scale * dx);
        out.mean[1] += static_cast<float>(scale * dy);
        out.mean[2] += static_cast<float>(scale * dz);
    }
}

// The rows of Gaussian g in a gradient field's arrays (pointers to their starts).
LS_HOST_DEVICE GaussianGradientRows gradientRows(std::size_t g, int hidden, int outputs, float* means, float* logScales, float* rotations,
                                                        float* opacityLogits, float* w1, float* b1, float* w2, float* b2)
{
    return {means + g * 3,  logScales + g * 3, rotations + g * 4, opacityLogits + g, w1 + g * hidden * 3, b1 + g * hidden,
            w2 + g * outputs * hidden, b2 + g * outputs};
}

// The same for a host-side gradient field (GaussianField.cpp).
GaussianGradientRows rowsOf(GaussianField& gradients, std::size_t g);

} // namespace ls::rf
