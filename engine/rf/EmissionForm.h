#pragma once
// How a Gaussian's MLP outputs z (2 per frequency) and its distance feature log(‖x − μ‖ + ε) become
// the complex value it emits, and the way back; shared by the CPU (GaussianField.cpp,
// GaussianBackward.h) and the CUDA kernels (SplatRendererCuda.cu, SplatBackwardCuda.cu).
//  - RealImaginary (GSpaRC): re = σ(z₀ − log d), im = σ(z₁ − log d). Both parts are positive, so
//    contributions never cancel: a pixel is dark only where nothing emits towards it.
//  - AmplitudePhase: a = σ(z₀ − log d), φ = z₁; re = a·cos φ, im = a·sin φ. The same 1/d fall-off
//    of the amplitude, and a free phase per Gaussian and position of the moving end, so emitters
//    can interfere — the narrow nulls of a beamformed spectrum are where paths cancel.
#include "engine/core/HostDevice.h"
#include "engine/core/Sigmoid.h"

#include <cmath>

namespace ls::rf {

enum class EmissionForm : int { RealImaginary = 0, AmplitudePhase = 1 };

// z [2F] and log(d + ε) → emission [2F].
template <class T> LS_HOST_DEVICE void emissionFromOutputs(EmissionForm form, const T* z, T logDistance, int outputs, T* emission)
{
    if (form == EmissionForm::RealImaginary) {
        for (int o = 0; o < outputs; ++o)
            emission[o] = sigmoid(z[o] - logDistance);
        return;
    }
    for (int o = 0; o + 1 < outputs; o += 2) {
        const T amplitude = sigmoid(z[o] - logDistance);
        emission[o] = amplitude * ::cos(z[o + 1]);
        emission[o + 1] = amplitude * ::sin(z[o + 1]);
    }
}

// dL/d emission [2F] → dL/dz [2F], from the forward's emission alone; returns dL/d log(d + ε).
template <class T> LS_HOST_DEVICE T outputsGradient(EmissionForm form, const float* emission, const T* emissionGradient, int outputs, T* zGradient)
{
    T logDistanceGradient = 0;
    if (form == EmissionForm::RealImaginary) {
        for (int o = 0; o < outputs; ++o) {
            const T e = emission[o];
            zGradient[o] = emissionGradient[o] * e * (T(1) - e); // σ'
            logDistanceGradient -= zGradient[o];
        }
        return logDistanceGradient;
    }
    for (int o = 0; o + 1 < outputs; o += 2) {
        // a = |e|, (cos φ, sin φ) = e / a: dL/dz₀ = (dL/da)·a(1 − a) = (1 − a)(g·e), dL/dφ = a(−g₀ sin φ + g₁ cos φ).
        const T re = emission[o], im = emission[o + 1];
        const T amplitude = ::sqrt(re * re + im * im);
        zGradient[o] = (T(1) - amplitude) * (emissionGradient[o] * re + emissionGradient[o + 1] * im);
        zGradient[o + 1] = emissionGradient[o + 1] * re - emissionGradient[o] * im;
        logDistanceGradient -= zGradient[o];
    }
    return logDistanceGradient;
}

} // namespace ls::rf
