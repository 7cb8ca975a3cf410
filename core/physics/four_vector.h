// four_vector.h: FourVector, a Lorentz four-momentum (E, px, py, pz) in GeV,
// and the collider kinematics built on it.
//
// Conventions: metric (+,-,-,-); pseudorapidity eta = -ln tan(theta/2);
// azimuth phi in (-pi, pi]; DeltaPhi wrapped to (-pi, pi]; for massless or
// spacelike rounding errors Mass() returns -sqrt(-m^2) (negative), the
// convention of ROOT's TLorentzVector, so callers can see the sign.
//
// Example:
//   FourVector mu1 = FourVector::FromPtEtaPhiM(45, 0.3, 1.2, 0.1057);
//   double mll = (mu1 + mu2).Mass();
#pragma once

#include <cmath>
#include <initializer_list>
#include <limits>

#include "core/physics/constants.h"

namespace evgen {

// kPi stays visible as evgen::kPi for the many callers that include this
// header for it; its one definition is physics::kPi.
using physics::kPi;

class FourVector {
 public:
  constexpr FourVector() = default;
  constexpr FourVector(double e, double px, double py, double pz) : e_(e), px_(px), py_(py), pz_(pz) {}

  static FourVector FromPtEtaPhiM(double pt, double eta, double phi, double mass) {
    const double px = pt * std::cos(phi), py = pt * std::sin(phi), pz = pt * std::sinh(eta);
    return {std::sqrt(px * px + py * py + pz * pz + mass * mass), px, py, pz};
  }
  // FromMomentumAndMass puts a particle with 3-momentum p on its mass shell.
  static FourVector FromMomentumAndMass(double px, double py, double pz, double mass) {
    return {std::sqrt(px * px + py * py + pz * pz + mass * mass), px, py, pz};
  }

  constexpr double e() const { return e_; }
  constexpr double px() const { return px_; }
  constexpr double py() const { return py_; }
  constexpr double pz() const { return pz_; }

  double P2() const { return px_ * px_ + py_ * py_ + pz_ * pz_; }
  double P() const { return std::sqrt(P2()); }
  double Pt() const { return std::hypot(px_, py_); }
  double M2() const { return e_ * e_ - P2(); }
  double Mass() const {
    const double m2 = M2();
    return m2 >= 0 ? std::sqrt(m2) : -std::sqrt(-m2);
  }
  // Phi is in (-pi, pi]: atan2 returns -pi for py = -0.0, px < 0, which is
  // mapped to +pi so that the documented half-open range holds.
  double Phi() const {
    if (px_ == 0 && py_ == 0) return 0.0;
    const double phi = std::atan2(py_, px_);
    return phi == -kPi ? kPi : phi;
  }
  // Eta is +-inf along the beam axis.
  double Eta() const {
    const double pt = Pt();
    if (pt == 0) return pz_ == 0 ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), pz_);
    return std::asinh(pz_ / pt);
  }
  double Rapidity() const { return 0.5 * std::log((e_ + pz_) / (e_ - pz_)); }
  // Mt is the transverse mass sqrt(E^2 - pz^2).
  double Mt() const {
    const double mt2 = e_ * e_ - pz_ * pz_;
    return mt2 >= 0 ? std::sqrt(mt2) : -std::sqrt(-mt2);
  }

  // Boost applies the Lorentz boost with velocity (bx, by, bz), |b| < 1.
  FourVector Boost(double bx, double by, double bz) const {
    const double b2 = bx * bx + by * by + bz * bz;
    if (b2 <= 0) return *this;
    const double gamma = 1.0 / std::sqrt(1.0 - b2);
    const double bp = bx * px_ + by * py_ + bz * pz_;
    const double gamma2 = (gamma - 1.0) / b2;
    return {gamma * (e_ + bp), px_ + gamma2 * bp * bx + gamma * bx * e_,
            py_ + gamma2 * bp * by + gamma * by * e_, pz_ + gamma2 * bp * bz + gamma * bz * e_};
  }
  // BoostToLabFrom boosts a vector given in the rest frame of `parent` to the
  // frame in which `parent` has its momentum.
  FourVector BoostToLabFrom(const FourVector& parent) const {
    return Boost(parent.px_ / parent.e_, parent.py_ / parent.e_, parent.pz_ / parent.e_);
  }
  // BoostToRestFrameOf is the inverse of BoostToLabFrom.
  FourVector BoostToRestFrameOf(const FourVector& parent) const {
    return Boost(-parent.px_ / parent.e_, -parent.py_ / parent.e_, -parent.pz_ / parent.e_);
  }

  constexpr FourVector operator+(const FourVector& o) const {
    return {e_ + o.e_, px_ + o.px_, py_ + o.py_, pz_ + o.pz_};
  }
  constexpr FourVector operator-(const FourVector& o) const {
    return {e_ - o.e_, px_ - o.px_, py_ - o.py_, pz_ - o.pz_};
  }
  constexpr FourVector operator*(double s) const { return {e_ * s, px_ * s, py_ * s, pz_ * s}; }
  FourVector& operator+=(const FourVector& o) { return *this = *this + o; }
  constexpr double Dot(const FourVector& o) const {
    return e_ * o.e_ - px_ * o.px_ - py_ * o.py_ - pz_ * o.pz_;
  }

 private:
  double e_ = 0, px_ = 0, py_ = 0, pz_ = 0;
};

// DeltaPhi returns phi1 - phi2 wrapped to (-pi, pi].
inline double DeltaPhi(double phi1, double phi2) {
  double d = std::remainder(phi1 - phi2, 2 * kPi);
  if (d <= -kPi) d += 2 * kPi;
  return d;
}
inline double DeltaPhi(const FourVector& a, const FourVector& b) { return DeltaPhi(a.Phi(), b.Phi()); }

inline double DeltaR(const FourVector& a, const FourVector& b) {
  return std::hypot(a.Eta() - b.Eta(), DeltaPhi(a, b));
}

// InvariantMass of any group of particles.
inline double InvariantMass(std::initializer_list<FourVector> particles) {
  FourVector sum;
  for (const FourVector& p : particles) sum += p;
  return sum.Mass();
}

}  // namespace evgen
