#pragma once
// The logistic sigmoid σ(x) = 1 / (1 + e^−x), one definition for CPU loops and CUDA kernels:
// GSpaRC's opacities and emissions, the consistency denoisers' SiLU.
#include "HostDevice.h"

#include <math.h> // ::exp for float and double, the same name on the host and in device code

namespace ls {

template <class T> LS_HOST_DEVICE T sigmoid(T x)
{
    return T(1) / (T(1) + ::exp(-x));
}

} // namespace ls
