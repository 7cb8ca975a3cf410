// ttbar_internal.h: the double-precision pieces of the ttbar reference
// simulators (core/physics/ttbar.cc), exposed for tests and benchmarks only.
// Library users call GenerateTtbarAllhad / GenerateTtbarDilepton (ttbar.h).
//
// The public generators write float32 tables, which round every momentum to
// ~6e-8 relative; the physics invariants (momentum balance to 1e-9, on-shell
// masses) are checked here on the double-precision events the tables are
// written from. Formulas and constants are documented in docs/physics.md
// ("ttbar reference simulators").
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(TtbarProduction production, TtbarProduction::Create(13000));
//   CounterRng rng(seed, event_index);
//   PartonEvent event = production.Generate(rng, kAllHadronic);
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/physics/constants.h"
#include "core/physics/four_vector.h"
#include "core/random/counter_rng.h"

namespace evgen {
namespace ttbar_internal {

// Masses and widths in GeV (core/physics/constants.h: the values of the
// ttbar GAN paper's MadGraph setup); light quarks massless as in MadGraph's
// default sm model.
using physics::kBottomMassGev;
using physics::kTopMassGev;
using physics::kTopWidthGev;
using physics::kWMassGev;
using physics::kWWidthGev;
constexpr double kLightQuarkMassGev = 0.0;
// kElectronMassGev and kMuonMassGev are the lepton masses rounded to
// 0.000511 and 0.10566 GeV, as this simulator has always used them; the PDG
// values are physics::kElectronMassGev and physics::kMuonMassGev. Every
// dilepton table and the published ttbar figures were made with the rounded
// values, and since a lepton mass changes the generated events, switching to
// the PDG values would change those figures: keep them.
constexpr double kElectronMassGev = 0.000511;
constexpr double kMuonMassGev = 0.10566;
// kBreitWignerCutoff truncates every Breit-Wigner to |m - M| < n Gamma
// (MadGraph's default bwcutoff = 15).
constexpr double kBreitWignerCutoff = 15.0;
constexpr double kTopMassMinGev = kTopMassGev - kBreitWignerCutoff * kTopWidthGev;
constexpr double kTopMassMaxGev = kTopMassGev + kBreitWignerCutoff * kTopWidthGev;
constexpr double kWMassMinGev = kWMassGev - kBreitWignerCutoff * kWWidthGev;
constexpr double kWMassMaxGev = kWMassGev + kBreitWignerCutoff * kWWidthGev;
// kMinSqrtSGev: below 2 m_t there is no on-shell top pair, and up to
// ~400 GeV the pair is made only by tops far below their mass shell (the
// Breit-Wigner window reaches 2 x 152.7 GeV), where this narrow-width
// sampler is both slow (< 10^3 events/s at 380 GeV) and not a faithful model.
constexpr double kMinSqrtSGev = 400.0;
constexpr double kMaxSqrtSGev = 1.0e6;
constexpr int64_t kMaxEvents = 100000000;

// WDecayMasses are the masses of a W's two daughters in the paper's order:
// for the W- (p1, p2) the down-type fermion (d, s, e-, mu-) and the up-type
// antifermion (ubar, cbar, nubar); for the W+ (p4, p5) the up-type fermion
// (u, c, nu) and the down-type antifermion (dbar, sbar, e+, mu+).
struct WDecayMasses {
  double wminus_down = kLightQuarkMassGev;  // p1
  double wminus_up = kLightQuarkMassGev;    // p2
  double wplus_up = kLightQuarkMassGev;     // p4
  double wplus_down = kLightQuarkMassGev;   // p5
};
inline constexpr WDecayMasses kAllHadronic{};

// PartonEvent is one pp -> ttbar -> 6 fermions event in the lab frame.
struct PartonEvent {
  // p[0..5] = p1..p6: p1 + p2 = W-, p1 + p2 + p3 = tbar, p4 + p5 = W+,
  // p4 + p5 + p6 = t (Butter, Plehn, Winterhalder 2019, eq. 20).
  std::array<FourVector, 6> p;
  FourVector top, antitop, wplus, wminus;                      // the intermediate states
  double m_top = 0, m_antitop = 0, m_wplus = 0, m_wminus = 0;  // sampled Breit-Wigner masses
  double x1 = 0, x2 = 0;                                       // parton momentum fractions
  bool is_gg = false;                                          // initial state gg (else qqbar)
};

// Toy parton densities x f(x) at Q ~ m_t (docs/physics.md, step 1).
double XGluon(double x);
// XQuarkAntiquark is sum_q [q(x1) qbar(x2) + qbar(x1) q(x2)] x1 x2 over u, d, s.
double XQuarkAntiquark(double x1, double x2);

// SigmaGg / SigmaQqbar: LO partonic cross sections sigma_hat / alpha_s^2 in
// GeV^-2 (Combridge 1979; the common alpha_s^2 drops out of every shape and
// of the gg/qqbar ratio). beta is the top velocity in the partonic CM frame,
// rho = 1 - beta^2 (= 4 m_t^2 / s_hat on shell), s_hat in GeV^2.
double SigmaGg(double s_hat, double beta);
double SigmaQqbar(double s_hat, double beta);

// TwoBodyMomentum returns the daughters' momentum in the rest frame of a
// parent of mass m decaying to masses m1, m2 (0 if closed).
double TwoBodyMomentum(double m, double m1, double m2);

// DileptonFeatures are the 8 features of the dilepton WGAN-GP paper (Lebese,
// Ruan, sec. 4.3); see ComputeDileptonFeatures.
struct DileptonFeatures {
  double pt_l0 = 0, pt_l1 = 0;  // leading, subleading lepton pT
  double pt_ll = 0, m_ll = 0;   // dilepton system
  double met = 0;               // |missing pT|
  double mt = 0;                // transverse mass of the (ll + MET) system
  double dphi_ll = 0;           // |DeltaPhi(l0, l1)| in [0, pi]
  double dr_ll = 0;             // DeltaR(l0, l1)
};

// ComputeDileptonFeatures computes the features from two reconstructed
// leptons (either order) and the missing transverse momentum vector:
//   mT^2 = (E_T^ll + MET)^2 - |pT^ll + MET|^2,  E_T^ll = sqrt(|pT^ll|^2 + m_ll^2)
// (the dilepton + MET transverse mass of the ATLAS H -> WW -> l nu l nu
// analyses; it is bounded by the invariant mass of the l l nu nu system).
DileptonFeatures ComputeDileptonFeatures(const FourVector& lepton_a, const FourVector& lepton_b,
                                         double met_x, double met_y);

// DileptonEvent is one accepted ttbar-dilepton event (GenerateDileptonEvent).
struct DileptonEvent {
  DileptonFeatures features;
  FourVector lepton0, lepton1;  // reconstructed (smeared), leading first
  FourVector bjet0, bjet1;      // reconstructed, leading first
  double met_x = 0, met_y = 0;  // reconstructed missing pT
  double met_true = 0;          // |pT(nu) + pT(nubar)|
  int n_muons = 0;              // 0, 1 or 2 (the rest are electrons)
  int attempts = 0;             // parton events drawn until one passed the acceptance
  PartonEvent parton;           // the accepted truth event
};

// TtbarProduction samples pp -> ttbar -> 6 fermions at one sqrt(s). Create
// tabulates an envelope of the production weight once (docs/physics.md,
// step 2); Generate then uses accept-reject against it. Thread-safe:
// Generate is const.
class TtbarProduction {
 public:
  // Create rejects sqrt_s_gev outside [kMinSqrtSGev, kMaxSqrtSGev] with
  // InvalidArgument naming options.sqrt_s_gev.
  [[nodiscard]] static absl::StatusOr<TtbarProduction> Create(double sqrt_s_gev);

  // Generate draws one event from `rng` (an event's own stream).
  PartonEvent Generate(CounterRng& rng, const WDecayMasses& masses) const;

  // GenerateDilepton draws parton events with W -> e/mu nu from `rng` until
  // one passes the detector acceptance (docs/physics.md).
  DileptonEvent GenerateDilepton(CounterRng& rng) const;

  // AcceptProbability is the accept-reject probability of a proposal point:
  // v_above_threshold = ln(s_hat / (m_top + m_antitop)^2) >= 0, y_fraction =
  // y / y_max in [-1, 1], and the two top masses. It must stay <= 1 (tested);
  // its mean over the proposal is the sampler's efficiency. `gg_share`, when
  // given, receives the gg part of the weight.
  double AcceptProbability(double v_above_threshold, double y_fraction, double m_top,
                           double m_antitop, double* gg_share = nullptr) const;
  // v_range is the proposal's range [0, v_range] of v_above_threshold.
  double v_range() const { return v_max_; }
  double sqrt_s_gev() const { return sqrt_s_gev_; }

 private:
  explicit TtbarProduction(double sqrt_s_gev);
  // Weight is the target density in (v, y_fraction) times 2 y_max.
  double Weight(double v_above_threshold, double y_fraction, double m_top, double m_antitop,
                double* gg_share) const;
  int Bin(double v_above_threshold) const;

  double sqrt_s_gev_ = 0;
  double s_ = 0;
  double v_max_ = 0;  // ln(s / (2 m_t,min)^2)
  double bin_width_ = 0;
  std::vector<double> bin_height_;      // envelope of Weight per bin of v
  std::vector<double> bin_cumulative_;  // normalised cumulative of height * width
};

}  // namespace ttbar_internal
}  // namespace evgen
