#pragma once
// Where a 3D Gaussian lands on the receiver's equirectangular hemisphere, and how big it is there.
//
// The map is defined by the data (NeRF² RFID layout): column c holds azimuth (c + 1)·360/W degrees,
// row r holds elevation (r + 1)·90/H degrees, in the receiver's local frame whose xy plane is the
// antenna array and whose +z is the array normal (elevation 90°). So a local direction t maps to
//   u = k_u·atan2(t_y, t_x) − 1   (mod W, azimuth wraps at the seam)     k_u = (W/360)·(180/π)
//   v = k_v·atan2(t_z, ρ) − 1,    ρ = √(t_x² + t_y²)                      k_v = (H/90)·(180/π)
// in continuous pixel units (pixel centres on integers). Its Jacobian (rows u, v; columns x, y, z)
//   ∂u/∂t = k_u·(−t_y, t_x, 0)/ρ²        ∂v/∂t = k_v·(−t_x t_z/ρ, −t_y t_z/ρ, ρ)/|t|²
// turns the 3D covariance into the 2D one, J W Σ Wᵀ Jᵀ + 0.3 px²·I (W: world → receiver frame).
// Every function is templated on the scalar so the backward pass can run it on duals (Dual.h).
#include "Dual.h"

namespace ls::rf {

// Width W and height H of the map in pixels; W = 360, H = 90 is the RFID data's 1° grid.
struct PixelMapping {
    int width = 360;
    int height = 90;
};

// The receiver: position (world, metres) and the rotation taking world vectors to its frame.
template <class T> struct ReceiverFrame {
    T position[3];
    T worldToLocal[3][3];
};

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kNearCullMetres = 0.2;     // Gaussians this close to the receiver are not drawn
inline constexpr double kCovarianceBlurPx2 = 0.3;  // low-pass added to every 2D covariance (as in 3DGS)

// The projection of one Gaussian: pixel centre (u, v), inverse 2D covariance (conic a, b, c with
// Σ⁻¹ = [[a, b], [b, c]]), range (sort key) and, on plain scalars, the 2D covariance for the radius.
template <class S> struct SplatGeometry {
    S u, v;
    S conicA, conicB, conicC;
    S range;
    S covA, covB, covC; // 2D covariance [[covA, covB], [covB, covC]] in px²
};

// Pixel coordinates and the mapping's Jacobian for a direction `t` in the receiver frame.
template <class S> LS_HOST_DEVICE void mapDirection(const S t[3], const PixelMapping& mapping, S& u, S& v, S jacobian[2][3])
{
    using B = decltype(valueOf(t[0]));
    const B ku = B(mapping.width) / B(360) * B(180 / kPi);
    const B kv = B(mapping.height) / B(90) * B(180 / kPi);
    // Near the zenith azimuth is undefined; a floor on ρ keeps the map (and its gradient) finite.
    S rho2 = t[0] * t[0] + t[1] * t[1];
    const S r2 = rho2 + t[2] * t[2];
    if (valueOf(rho2) < B(1e-8) * valueOf(r2))
        rho2 = rho2 + S(B(1e-8)) * r2;
    const S rho = sqrt(rho2);
    u = S(ku) * atan2(t[1], t[0]) - S(B(1));
    if (valueOf(u) < B(0))
        u = u + S(B(mapping.width));
    if (valueOf(u) < B(0)) // atan2 = −π exactly: one more turn
        u = u + S(B(mapping.width));
    v = S(kv) * atan2(t[2], rho) - S(B(1));
    jacobian[0][0] = S(-ku) * t[1] / rho2;
    jacobian[0][1] = S(ku) * t[0] / rho2;
    jacobian[0][2] = S(B(0));
    jacobian[1][0] = S(-kv) * t[0] * t[2] / (rho * r2);
    jacobian[1][1] = S(-kv) * t[1] * t[2] / (rho * r2);
    jacobian[1][2] = S(kv) * rho / r2;
}

// Rotation matrix of the (normalised) quaternion q = (w, x, y, z).
template <class S> LS_HOST_DEVICE void rotationMatrix(const S q[4], S r[3][3])
{
    const S norm = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    const S w = q[0] / norm, x = q[1] / norm, y = q[2] / norm, z = q[3] / norm;
    const S one(1), two(2);
    r[0][0] = one - two * (y * y + z * z); r[0][1] = two * (x * y - w * z); r[0][2] = two * (x * z + w * y);
    r[1][0] = two * (x * y + w * z); r[1][1] = one - two * (x * x + z * z); r[1][2] = two * (y * z - w * x);
    r[2][0] = two * (x * z - w * y); r[2][1] = two * (y * z + w * x); r[2][2] = one - two * (x * x + y * y);
}

// Projects one Gaussian (world mean, log-scales, rotation quaternion) onto the receiver's map.
// Returns false when it is too close to the receiver to draw (closer than kNearCullMetres).
template <class S, class B>
LS_HOST_DEVICE bool projectGaussian(const S mean[3], const S logScale[3], const S quaternion[4], const ReceiverFrame<B>& frame,
                                    const PixelMapping& mapping, SplatGeometry<S>& out)
{
    S t[3];
    for (int i = 0; i < 3; ++i)
        t[i] = S(frame.worldToLocal[i][0]) * (mean[0] - S(frame.position[0])) + S(frame.worldToLocal[i][1]) * (mean[1] - S(frame.position[1]))
             + S(frame.worldToLocal[i][2]) * (mean[2] - S(frame.position[2]));
    out.range = sqrt(t[0] * t[0] + t[1] * t[1] + t[2] * t[2]);
    if (valueOf(out.range) < B(kNearCullMetres))
        return false;
    S jacobian[2][3];
    mapDirection(t, mapping, out.u, out.v, jacobian);

    // A = J·W (2×3): world directions to pixels. Σ = R·diag(s²)·Rᵀ, so A Σ Aᵀ = (A R s)(A R s)ᵀ.
    S rotation[3][3];
    rotationMatrix(quaternion, rotation);
    S scaled[2][3]; // A·R·diag(s)
    for (int row = 0; row < 2; ++row) {
        S a[3];
        for (int k = 0; k < 3; ++k)
            a[k] = jacobian[row][0] * S(frame.worldToLocal[0][k]) + jacobian[row][1] * S(frame.worldToLocal[1][k])
                 + jacobian[row][2] * S(frame.worldToLocal[2][k]);
        for (int col = 0; col < 3; ++col)
            scaled[row][col] = (a[0] * rotation[0][col] + a[1] * rotation[1][col] + a[2] * rotation[2][col]) * exp(logScale[col]);
    }
    const S blur = S(B(kCovarianceBlurPx2));
    out.covA = scaled[0][0] * scaled[0][0] + scaled[0][1] * scaled[0][1] + scaled[0][2] * scaled[0][2] + blur;
    out.covB = scaled[0][0] * scaled[1][0] + scaled[0][1] * scaled[1][1] + scaled[0][2] * scaled[1][2];
    out.covC = scaled[1][0] * scaled[1][0] + scaled[1][1] * scaled[1][1] + scaled[1][2] * scaled[1][2] + blur;
    const S det = out.covA * out.covC - out.covB * out.covB; // > 0: the blur makes the matrix definite
    out.conicA = out.covC / det;
    out.conicB = -out.covB / det;
    out.conicC = out.covA / det;
    return true;
}

// 3σ radius in pixels of a projected splat (from the larger eigenvalue of its 2D covariance).
template <class B> LS_HOST_DEVICE int splatRadius(B covA, B covB, B covC)
{
    const B mid = B(0.5) * (covA + covC);
    const B det = covA * covC - covB * covB;
    const B spread = mid * mid - det;
    const B largest = mid + ::sqrt(spread > B(0.1) ? spread : B(0.1));
    return static_cast<int>(::ceil(B(3) * ::sqrt(largest)));
}

// Column offset from a splat centre to a pixel, wrapped into [−W/2, W/2): the seam is not an edge.
template <class B> LS_HOST_DEVICE B wrappedColumnOffset(B column, B centre, int width)
{
    B offset = column - centre;
    const B half = B(0.5) * B(width);
    if (offset >= half)
        offset -= B(width);
    else if (offset < -half)
        offset += B(width);
    return offset;
}

} // namespace ls::rf
