#pragma once
// Forward-mode dual numbers: a value with its derivatives along N input directions. The splat
// projection (mean, scale, rotation → pixel position and 2D conic) is a few dozen operations per
// Gaussian; evaluating it once on duals gives its exact Jacobian, so the backward pass of that
// stage is the chain rule applied to a Jacobian nobody had to derive by hand (and the CPU and CUDA
// paths share it). Per-pixel work (compositing) keeps its hand-written adjoint.
#include "engine/core/HostDevice.h"

#include <math.h>

namespace ls::rf {

// Plain scalars find the C functions next to the dual overloads below.
using ::atan2;
using ::exp;
using ::sqrt;

template <class T, int N> struct Dual {
    T value{};
    T d[N]{};

    LS_HOST_DEVICE Dual() = default;
    LS_HOST_DEVICE Dual(T constant) : value(constant) {} // NOLINT: constants mix freely with duals
    // The `index`-th input variable (derivative 1 along itself).
    LS_HOST_DEVICE static Dual variable(T v, int index)
    {
        Dual x(v);
        x.d[index] = T(1);
        return x;
    }
};

template <class T, int N> LS_HOST_DEVICE Dual<T, N> operator+(const Dual<T, N>& a, const Dual<T, N>& b)
{
    Dual<T, N> r(a.value + b.value);
    for (int i = 0; i < N; ++i)
        r.d[i] = a.d[i] + b.d[i];
    return r;
}
template <class T, int N> LS_HOST_DEVICE Dual<T, N> operator-(const Dual<T, N>& a, const Dual<T, N>& b)
{
    Dual<T, N> r(a.value - b.value);
    for (int i = 0; i < N; ++i)
        r.d[i] = a.d[i] - b.d[i];
    return r;
}
template <class T, int N> LS_HOST_DEVICE Dual<T, N> operator-(const Dual<T, N>& a)
{
    Dual<T, N> r(-a.value);
    for (int i = 0; i < N; ++i)
        r.d[i] = -a.d[i];
    return r;
}
template <class T, int N> LS_HOST_DEVICE Dual<T, N> operator*(const Dual<T, N>& a, const Dual<T, N>& b)
{
    Dual<T, N> r(a.value * b.value);
    for (int i = 0; i < N; ++i)
        r.d[i] = a.d[i] * b.value + a.value * b.d[i];
    return r;
}
template <class T, int N> LS_HOST_DEVICE Dual<T, N> operator/(const Dual<T, N>& a, const Dual<T, N>& b)
{
    const T inv = T(1) / b.value;
    Dual<T, N> r(a.value * inv);
    for (int i = 0; i < N; ++i)
        r.d[i] = (a.d[i] - r.value * b.d[i]) * inv;
    return r;
}
template <class T, int N> LS_HOST_DEVICE Dual<T, N> sqrt(const Dual<T, N>& a)
{
    Dual<T, N> r(::sqrt(a.value));
    const T half = r.value > T(0) ? T(0.5) / r.value : T(0);
    for (int i = 0; i < N; ++i)
        r.d[i] = a.d[i] * half;
    return r;
}
template <class T, int N> LS_HOST_DEVICE Dual<T, N> exp(const Dual<T, N>& a)
{
    Dual<T, N> r(::exp(a.value));
    for (int i = 0; i < N; ++i)
        r.d[i] = a.d[i] * r.value;
    return r;
}
template <class T, int N> LS_HOST_DEVICE Dual<T, N> atan2(const Dual<T, N>& y, const Dual<T, N>& x)
{
    Dual<T, N> r(::atan2(y.value, x.value));
    const T inv = T(1) / (x.value * x.value + y.value * y.value);
    for (int i = 0; i < N; ++i)
        r.d[i] = (x.value * y.d[i] - y.value * x.d[i]) * inv;
    return r;
}

// Plain scalars take the same code path (the forward pass runs on T, the backward on Dual<T, N>).
template <class T> LS_HOST_DEVICE T valueOf(T x) { return x; }
template <class T, int N> LS_HOST_DEVICE T valueOf(const Dual<T, N>& x) { return x.value; }

} // namespace ls::rf
