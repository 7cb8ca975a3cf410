// massless_sum.h: the four-momentum of a jet from its constituents taken as
// massless, (pT, eta, phi) -> (pT cosh eta, pT cos phi, pT sin phi, pT sinh eta).
//
// Why massless: a jet-cloud table stores each constituent's eta relative to
// the jet axis; shifting every eta by the same amount is a longitudinal boost
// only for massless particles, so their summed mass and pT do not depend on
// the jet's own eta, which a generated jet does not have. JetNet computes its
// jet features (the mass of W1M) the same way.
//
// Example:
//   MasslessSum jet;
//   for (...) jet.Add(std::exp(log_pt), eta_rel, phi_rel);
//   double m = jet.mass(), pt = jet.pt();
#pragma once

#include <algorithm>
#include <cmath>

namespace evgen {

struct MasslessSum {
  double e = 0, px = 0, py = 0, pz = 0;

  void Add(double pt, double eta, double phi) {
    e += pt * std::cosh(eta);
    px += pt * std::cos(phi);
    py += pt * std::sin(phi);
    pz += pt * std::sinh(eta);
  }
  double pt() const { return std::hypot(px, py); }
  // mass: rounding can make m^2 slightly negative for collinear constituents;
  // it is clamped to 0.
  double mass() const { return std::sqrt(std::max(0.0, e * e - px * px - py * py - pz * pz)); }
};

}  // namespace evgen
