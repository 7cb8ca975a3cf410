// qcd_jet_shapes.h: the per-jet substructure of the QCD multijet simulators
// (charged-track multiplicity and jet mass given pT, origin and shower
// activity), shared by qcd-multijet (qcd_multijet.cc) and
// qcd-multijet-events (qcd_multijet_events.cc). Internal to core/physics.
//
// The formulas are documented in docs/physics.md, "QCD multijet reference
// simulator", steps 5-7. qcd-multijet's published tables depend on the exact
// sequence of draws and operations here: a change to these functions changes
// its bytes. Each function consumes the same draws from `rng` in the same
// order as the code it was factored out of.
//
// Example:
//   const double activity = rng.Normal();
//   const double n = qcd_internal::SampleTracks(rng, kTracks, pt, abs_eta, gluon, activity);
//   const double m = qcd_internal::SampleTrueMass(rng, pt, gluon, activity);
#pragma once

#include <algorithm>
#include <cmath>

#include "core/physics/constants.h"
#include "core/random/counter_rng.h"

namespace evgen::qcd_internal {

// Large-R jets of the analysis (Lin, Bhimji, Nachman 2019, sec. 3.2).
inline constexpr double kJetRadius = 1.0;
inline constexpr double kPtMinGev = 200.0;
inline constexpr double kAbsEtaMax = 2.0;

// TrackModel sets the mean charged-track multiplicity (step 6):
//   mu = quark_tracks_at_200 (1 + log_slope ln(pT / 200 GeV))
//        x gluon_ratio (gluons only) x exp(activity_weight z) x (1 - loss_per_eta |eta|)
struct TrackModel {
  double quark_tracks_at_200 = 20.0;
  double log_slope = 0.25;
  // 1 + 0.4 (C_A / C_F - 1) = 1.5: 40% of the double-log excess (docs).
  double gluon_ratio = 1.0 + 0.4 * (physics::kCA / physics::kCF - 1.0);
  double activity_weight = 0.15;
  double loss_per_eta = 0.03;
};

// (7) Jet-mass constants: leading-log Sudakov with one-loop alpha_s and a
// soft pedestal <m_soft^2> = C_i A pT R, Gamma-distributed with shape k.
inline constexpr double kBeta0 = physics::OneLoopBeta0(5);
inline constexpr double kRhoMax = 0.25;  // m <= pT R / 2 for a two-prong jet of radius R
inline constexpr double kSoftMassScaleGev = 0.56;
inline constexpr int kSoftMassShape = 4;
inline constexpr double kActivityRadiator = 0.5;

// AlphaS is the one-loop running coupling (nf = 5) at scale q_gev.
inline double AlphaS(double q_gev) {
  return physics::kAlphaSMz /
         (1.0 + physics::kAlphaSMz * kBeta0 *
                    std::log(q_gev * q_gev / (physics::kZMassGev * physics::kZMassGev)));
}

// (6) SampleTracks draws the charged-track multiplicity (one Poisson draw).
inline double SampleTracks(CounterRng& rng, const TrackModel& model, double pt_gev, double abs_eta,
                           bool gluon, double activity) {
  double mean = model.quark_tracks_at_200 * (1.0 + model.log_slope * std::log(pt_gev / kPtMinGev));
  if (gluon) mean *= model.gluon_ratio;
  mean *= std::exp(model.activity_weight * activity);
  mean *= 1.0 - model.loss_per_eta * abs_eta;
  return static_cast<double>(rng.Poisson(mean));
}

// (7) SampleTrueMass adds two pieces of the jet mass in quadrature (m^2 is
// additive over independent emissions):
//  - the hardest perturbative emission, from the leading-log Sudakov
//      Sigma(rho) = exp(-a/2 [ln^2(1/rho) - ln^2(1/rho_max)]),  rho = m^2 / (pT R)^2,
//      a = alpha_s(pT R) C_i / pi * exp(kappa z),
//    sampled by inversion: ln(1/rho) = sqrt(ln^2(1/rho_max) + 2 E / a), E ~ Exp(1);
//  - the soft pedestal (soft wide-angle radiation and hadronisation),
//      m_soft^2 = C_i A pT R exp(kappa z) G,  G ~ Gamma(k, 1/k) (mean 1).
inline double SampleTrueMass(CounterRng& rng, double pt_gev, bool gluon, double activity) {
  const double colour = gluon ? physics::kCA : physics::kCF;
  const double scale = pt_gev * kJetRadius;
  const double activity_factor = std::exp(kActivityRadiator * activity);
  const double a = AlphaS(scale) * colour / physics::kPi * activity_factor;
  const double log_rho_max = std::log(kRhoMax);
  const double log_inv_rho =
      std::sqrt(log_rho_max * log_rho_max - 2.0 * std::log(rng.UniformOpen()) / a);
  const double m2_hardest = scale * scale * std::exp(-log_inv_rho);

  // Gamma(k, 1/k) for integer k: the mean of k unit exponentials.
  double product = 1.0;
  for (int i = 0; i < kSoftMassShape; ++i) product *= rng.UniformOpen();
  const double gamma = -std::log(product) / kSoftMassShape;
  const double m2_soft = colour * kSoftMassScaleGev * scale * activity_factor * gamma;
  return std::sqrt(m2_hardest + m2_soft);
}

// (8) Detector response: relative mass resolution a + b |eta|.
inline constexpr double kMassResolution = 0.05;
inline constexpr double kMassResolutionPerEta = 0.03;
inline constexpr int kMaxSmearAttempts = 64;

// SmearMass returns the reconstructed float32 mass, redrawing the smearing
// while it leaves 0 < m < pT (after kMaxSmearAttempts it falls back to the
// true mass, capped at pT / 2, so the loop always ends).
inline float SmearMass(CounterRng& rng, double true_mass, double abs_eta, float pt) {
  const double mass_resolution = kMassResolution + kMassResolutionPerEta * abs_eta;
  float mass = 0;
  for (int attempt = 0;; ++attempt) {
    mass = static_cast<float>(true_mass * (1.0 + mass_resolution * rng.Normal()));
    if (mass > 0.f && mass < pt) break;
    if (attempt == kMaxSmearAttempts) {
      mass = std::min(static_cast<float>(true_mass), 0.5f * pt);
      break;
    }
  }
  return mass;
}

}  // namespace evgen::qcd_internal
