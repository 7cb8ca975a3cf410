// rest_frames.h: the geometry of two-body decays that the change-of-variables
// transforms share (ttbar-decay-chain, pair-frame): 3-vectors, helicity axes
// of a rest frame, directions as (cos theta, phi) in them, and the
// daughters' momentum in the parent's rest frame.
//
// Helicity axes: z along the parent's flight direction; x in the plane of z
// and a reference vector (the beam, or the grandparent's flight), on the
// reference's side: x = unit(ref - (ref . z) z); y = z cross x. Each rest
// frame is reached by a pure boost along z, so the axes are the same
// vectors before and after it. Where the reference is (numerically)
// parallel to z, the lab x axis, then y, stands in; a parent at rest takes
// the beam as z. Both happen on sets of measure zero.
#pragma once

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/physics/four_vector.h"

namespace evgen {
namespace frames {

struct Vec3 {
  double x, y, z;
};
inline Vec3 operator+(const Vec3& a, const Vec3& b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(const Vec3& a, const Vec3& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator*(const Vec3& a, double s) { return {a.x * s, a.y * s, a.z * s}; }
inline double Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline double Norm(const Vec3& a) { return std::sqrt(Dot(a, a)); }
inline Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline Vec3 Momentum(const FourVector& p) { return {p.px(), p.py(), p.pz()}; }
inline FourVector OnShell(const Vec3& p, double mass) {
  return FourVector::FromMomentumAndMass(p.x, p.y, p.z, mass);
}

inline constexpr Vec3 kBeam{0, 0, 1};

struct Axes {
  Vec3 x, y, z;
};

// HelicityAxes puts z along `direction` and x in the plane of z and
// `reference`. Below a sine of 1e-9 between them the perpendicular part is
// rounding, so the lab x (then y) axis stands in.
inline Axes HelicityAxes(const Vec3& direction, const Vec3& reference) {
  const double n = Norm(direction);
  const Vec3 z = n > 0 ? direction * (1 / n) : kBeam;
  for (const Vec3& ref : {reference, Vec3{1, 0, 0}, Vec3{0, 1, 0}}) {
    const Vec3 perp = ref - z * Dot(ref, z);
    const double np = Norm(perp);
    if (np > 1e-9 * Norm(ref)) {
      const Vec3 x = perp * (1 / np);
      return {x, Cross(z, x), z};
    }
  }
  return {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};  // unreachable: x and y are not both parallel to z
}

// Angles is (cos theta, phi) of v in `axes`.
inline std::pair<double, double> Angles(const Vec3& v, const Axes& axes) {
  const double n = Norm(v);
  return {n > 0 ? Dot(v, axes.z) / n : 1.0, std::atan2(Dot(v, axes.y), Dot(v, axes.x))};
}

// Direction is the unit vector at (cos theta, phi) in `axes`; sin theta as
// sqrt((1 - c)(1 + c)) keeps its precision near the poles.
inline Vec3 Direction(double cos_theta, double phi, const Axes& axes) {
  const double sin_theta = std::sqrt(std::max(0.0, (1 - cos_theta) * (1 + cos_theta)));
  return axes.x * (sin_theta * std::cos(phi)) + axes.y * (sin_theta * std::sin(phi)) +
         axes.z * cos_theta;
}

// TwoBodyMomentum is the daughters' momentum in the rest frame of a parent
// of mass m decaying to masses m1, m2 (0 at or below threshold).
inline double TwoBodyMomentum(double m, double m1, double m2) {
  const double lambda = (m * m - (m1 + m2) * (m1 + m2)) * (m * m - (m1 - m2) * (m1 - m2));
  return lambda > 0 ? std::sqrt(lambda) / (2 * m) : 0.0;
}

}  // namespace frames
}  // namespace evgen
