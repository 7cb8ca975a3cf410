#include "core/physics/ttbar.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/physics/four_vector.h"
#include "core/physics/ttbar_internal.h"
#include "core/random/counter_rng.h"
#include "core/util/stop_check.h"

// The model below is documented formula by formula, with its physics reason,
// in docs/physics.md ("ttbar reference simulators"); the numbered comments
// refer to the steps there. Keep the two in step.

namespace evgen {
namespace ttbar_internal {
namespace {

// (1) Toy parton densities at Q ~ m_t: x f(x) = A x^a (1 - x)^b, with the
// normalisation A fixed by a sum rule (momentum for g and the sea, number for
// the valence quarks). Every shape shares the small-x power x^-0.3 so that
// one pow() per momentum fraction serves them all.
constexpr double kSmallXPower = -0.3;
constexpr double kGluonMomentumFraction = 0.45;
constexpr int kGluonHighXPower = 6;
constexpr int kUValenceHighXPower = 3;
constexpr int kDValenceHighXPower = 4;
constexpr double kSeaMomentumFraction = 0.03;  // per light antiquark (ubar = dbar)
constexpr int kSeaHighXPower = 8;
constexpr double kStrangeSuppression = 0.5;  // s = sbar = 0.5 ubar

double Beta(double a, double b) {
  return std::exp(std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
}

struct PdfNorms {
  double gluon, u_valence, d_valence, sea;
};

const PdfNorms& Norms() {
  static const PdfNorms norms = {
      // int_0^1 x g dx = A B(1 + a, 1 + b)
      kGluonMomentumFraction / Beta(1.0 + kSmallXPower, 1.0 + kGluonHighXPower),
      // x u_v = A x^(1 + a) (1 - x)^b: int_0^1 u_v dx = A B(1 + a, 1 + b) = 2, d_v: 1
      2.0 / Beta(1.0 + kSmallXPower, 1.0 + kUValenceHighXPower),
      1.0 / Beta(1.0 + kSmallXPower, 1.0 + kDValenceHighXPower),
      kSeaMomentumFraction / Beta(1.0 + kSmallXPower, 1.0 + kSeaHighXPower),
  };
  return norms;
}

// XPdfs holds x f(x) of every parton at one x.
struct XPdfs {
  double g, u, ubar, d, dbar, s;  // s = sbar
};

XPdfs EvaluatePdfs(double x) {
  const PdfNorms& n = Norms();
  const double xa = std::pow(x, kSmallXPower);
  const double ox = 1.0 - x;
  const double ox2 = ox * ox;
  const double ox3 = ox2 * ox;
  const double ox4 = ox2 * ox2;
  const double ox6 = ox4 * ox2;
  const double ox8 = ox4 * ox4;
  const double sea = n.sea * xa * ox8;
  XPdfs f;
  f.g = n.gluon * xa * ox6;
  f.ubar = sea;
  f.dbar = sea;
  f.s = kStrangeSuppression * sea;
  f.u = n.u_valence * x * xa * ox3 + sea;
  f.d = n.d_valence * x * xa * ox4 + sea;
  return f;
}

double QqbarProduct(const XPdfs& a, const XPdfs& b) {
  return a.u * b.ubar + a.ubar * b.u + a.d * b.dbar + a.dbar * b.d + 2.0 * a.s * b.s;
}

// (2) Envelope of the production weight: piecewise constant in
// v = ln(s_hat / (m_t + m_tbar)^2) (the distance above the event's own
// threshold), scanned on a grid of (v, y, m_t, m_tbar) and raised by a margin.
constexpr int kEnvelopeBins = 64;
constexpr int kScanVPerBin = 6;
constexpr int kScanY = 12;
constexpr int kScanMasses = 5;
constexpr double kEnvelopeMargin = 1.3;

// (2) Breit-Wigner: m^2 = M^2 + M Gamma tan(phi), phi uniform, truncated.
struct BreitWigner {
  double mass, width, phi_lo, phi_hi;
  BreitWigner(double m, double w, double lo, double hi)
      : mass(m),
        width(w),
        phi_lo(std::atan((lo * lo - m * m) / (m * w))),
        phi_hi(std::atan((hi * hi - m * m) / (m * w))) {}
  double Sample(CounterRng& rng) const {
    const double phi = phi_lo + (phi_hi - phi_lo) * rng.Uniform();
    return std::sqrt(mass * mass + mass * width * std::tan(phi));
  }
};

const BreitWigner& TopBreitWigner() {
  static const BreitWigner bw(kTopMassGev, kTopWidthGev, kTopMassMinGev, kTopMassMaxGev);
  return bw;
}
const BreitWigner& WBreitWigner() {
  static const BreitWigner bw(kWMassGev, kWWidthGev, kWMassMinGev, kWMassMaxGev);
  return bw;
}

// (3) SampleTopCosTheta draws cos(theta*) of the top relative to the +z beam
// in the partonic CM frame from the LO |M|^2.
double SampleTopCosTheta(CounterRng& rng, bool gg, double beta) {
  const double rho = 1.0 - beta * beta;
  if (beta < 1e-6) return 2.0 * rng.Uniform() - 1.0;
  if (!gg) {
    // qqbar: |M|^2 ~ 1 + rho + beta^2 c^2 <= 2.
    for (;;) {
      const double c = 2.0 * rng.Uniform() - 1.0;
      if (2.0 * rng.Uniform() < 1.0 + rho + beta * beta * c * c) return c;
    }
  }
  // gg: |M|^2 ~ (1 / (6 t) - 3/8) (tau1^2 + tau2^2 + rho - rho^2 / (4 t)),
  // tau_1,2 = (1 -+ beta c) / 2, t = tau1 tau2. Proposal 1 / (1 - beta^2 c^2)
  // (c = tanh(u) / beta, u uniform); the ratio (2/3 - 3t/2) g <= 0.71 < 1.
  const double u_max = std::atanh(beta);
  for (;;) {
    const double c = std::tanh(u_max * (2.0 * rng.Uniform() - 1.0)) / beta;
    const double bc = beta * c;
    const double t = 0.25 * (1.0 - bc * bc);
    const double g = 0.5 * (1.0 + bc * bc) + rho - rho * rho / (4.0 * t);
    if (rng.Uniform() < (2.0 / 3.0 - 1.5 * t) * g) return c;
  }
}

struct Vec3 {
  double x, y, z;
};
// Direction returns (sin theta cos phi, sin theta sin phi, cos theta).
Vec3 Direction(double cos_theta, double phi) {
  const double sin_theta = std::sqrt(std::max(0.0, 1.0 - cos_theta * cos_theta));
  return {sin_theta * std::cos(phi), sin_theta * std::sin(phi), cos_theta};
}
Vec3 IsotropicDirection(CounterRng& rng) {
  const double c = 2.0 * rng.Uniform() - 1.0;
  return Direction(c, 2.0 * kPi * rng.Uniform());
}

FourVector OnShell(const Vec3& dir, double p, double m) {
  return FourVector::FromMomentumAndMass(p * dir.x, p * dir.y, p * dir.z, m);
}

// (5) SampleHelicityCosTheta draws cos(theta*) of the W's down-type daughter
// (l+, dbar from a W+; l-, d from a W-) relative to the W flight direction
// in the top rest frame: (3/4)(1 - c^2) F0 + (3/8)(1 - c)^2 FL (FR = 0 at LO).
double SampleHelicityCosTheta(CounterRng& rng, double m_top, double m_w) {
  const double f0 = m_top * m_top / (m_top * m_top + 2.0 * m_w * m_w);
  if (rng.Uniform() < f0) {
    // The median of three uniforms on [-1, 1] has density (3/4)(1 - c^2).
    double a = 2.0 * rng.Uniform() - 1.0, b = 2.0 * rng.Uniform() - 1.0,
           c = 2.0 * rng.Uniform() - 1.0;
    if (a > b) std::swap(a, b);
    return std::max(a, std::min(b, c));
  }
  // (1 - c)^2: u = (1 - c) / 2 has density 3 u^2.
  return 1.0 - 2.0 * std::cbrt(rng.Uniform());
}

// TopDecay is t -> b W, W -> f f' in the top rest frame.
struct TopDecay {
  FourVector w, b, up, down;  // up-type and down-type W daughters
};

// (4)-(5) DecayTop decays a top of mass m_top at rest. `down_mass` is the
// mass of the W's down-type daughter (whose angle carries the V-A
// correlation), `up_mass` that of the up-type daughter.
TopDecay DecayTop(CounterRng& rng, double m_top, double m_w, double up_mass, double down_mass) {
  TopDecay d;
  const Vec3 n = IsotropicDirection(rng);
  const double q = TwoBodyMomentum(m_top, m_w, kBottomMassGev);
  d.w = OnShell(n, q, m_w);
  d.b = OnShell({-n.x, -n.y, -n.z}, q, kBottomMassGev);
  // Orthonormal basis (e1, e2, n) around the W direction.
  Vec3 e1 = std::fabs(n.z) < 0.9 ? Vec3{-n.y, n.x, 0.0} : Vec3{0.0, -n.z, n.y};
  const double e1_norm = std::sqrt(e1.x * e1.x + e1.y * e1.y + e1.z * e1.z);
  e1 = {e1.x / e1_norm, e1.y / e1_norm, e1.z / e1_norm};
  const Vec3 e2 = {n.y * e1.z - n.z * e1.y, n.z * e1.x - n.x * e1.z, n.x * e1.y - n.y * e1.x};
  const double c = SampleHelicityCosTheta(rng, m_top, m_w);
  const double s = std::sqrt(std::max(0.0, 1.0 - c * c));
  const double phi = 2.0 * kPi * rng.Uniform();
  const double sc = s * std::cos(phi), ss = s * std::sin(phi);
  const Vec3 dir = {c * n.x + sc * e1.x + ss * e2.x, c * n.y + sc * e1.y + ss * e2.y,
                    c * n.z + sc * e1.z + ss * e2.z};
  const double k = TwoBodyMomentum(m_w, up_mass, down_mass);
  d.down = OnShell(dir, k, down_mass).BoostToLabFrom(d.w);
  d.up = OnShell({-dir.x, -dir.y, -dir.z}, k, up_mass).BoostToLabFrom(d.w);
  return d;
}

// (7) Detector emulation of ttbar-dilepton.
constexpr double kLeptonPtResolution = 0.02;  // sigma(pT) / pT
constexpr double kJetStochasticTerm = 0.8;    // sigma(pT) / pT = a / sqrt(pT / GeV) (+) c
constexpr double kJetConstantTerm = 0.05;
constexpr double kMetSoftResolutionGev = 10.0;  // per component
// kMaxDileptonAttempts bounds the regeneration loop; with an efficiency of
// ~0.5 it is never reached (the last event drawn would be kept).
constexpr int kMaxDileptonAttempts = 100000;

// Smear scales the 3-momentum by (1 + sigma z), z ~ N(0, 1) redrawn until the
// factor is positive, keeping the direction and the mass.
FourVector Smear(CounterRng& rng, const FourVector& p, double relative_sigma, double mass) {
  double f;
  do {
    f = 1.0 + relative_sigma * rng.Normal();
  } while (f <= 0.0);
  return FourVector::FromMomentumAndMass(f * p.px(), f * p.py(), f * p.pz(), mass);
}

double JetResolution(double pt) {
  return std::hypot(kJetStochasticTerm / std::sqrt(std::max(pt, 1.0)), kJetConstantTerm);
}

bool InLeptonAcceptance(const FourVector& l) {
  return l.Pt() > kTtbarDileptonLeptonPtMinGev && std::fabs(l.Eta()) < kTtbarDileptonLeptonAbsEtaMax;
}

}  // namespace

double XGluon(double x) { return EvaluatePdfs(x).g; }

double XQuarkAntiquark(double x1, double x2) {
  return QqbarProduct(EvaluatePdfs(x1), EvaluatePdfs(x2));
}

double SigmaGg(double s_hat, double beta) {
  if (beta <= 0) return 0;
  const double rho = 1.0 - beta * beta;
  return kPi / (3.0 * s_hat) *
         ((1.0 + rho + rho * rho / 16.0) * std::log((1.0 + beta) / (1.0 - beta)) -
          beta * (7.0 / 4.0 + 31.0 / 16.0 * rho));
}

double SigmaQqbar(double s_hat, double beta) {
  if (beta <= 0) return 0;
  const double rho = 1.0 - beta * beta;
  return 8.0 * kPi / (27.0 * s_hat) * beta * (2.0 + rho);
}

double TwoBodyMomentum(double m, double m1, double m2) {
  const double sum = m1 + m2, diff = m1 - m2;
  const double l = (m * m - sum * sum) * (m * m - diff * diff);
  return l > 0 ? std::sqrt(l) / (2.0 * m) : 0.0;
}

DileptonFeatures ComputeDileptonFeatures(const FourVector& lepton_a, const FourVector& lepton_b,
                                         double met_x, double met_y) {
  const bool a_leads = lepton_a.Pt() >= lepton_b.Pt();
  const FourVector& l0 = a_leads ? lepton_a : lepton_b;
  const FourVector& l1 = a_leads ? lepton_b : lepton_a;
  const FourVector ll = l0 + l1;
  DileptonFeatures f;
  f.pt_l0 = l0.Pt();
  f.pt_l1 = l1.Pt();
  f.pt_ll = ll.Pt();
  f.m_ll = std::max(0.0, ll.Mass());
  f.met = std::hypot(met_x, met_y);
  const double et_ll = std::sqrt(f.pt_ll * f.pt_ll + f.m_ll * f.m_ll);
  const double sum_x = ll.px() + met_x, sum_y = ll.py() + met_y;
  const double mt2 = (et_ll + f.met) * (et_ll + f.met) - sum_x * sum_x - sum_y * sum_y;
  f.mt = std::sqrt(std::max(0.0, mt2));
  f.dphi_ll = std::fabs(DeltaPhi(l0, l1));
  f.dr_ll = DeltaR(l0, l1);
  return f;
}

TtbarProduction::TtbarProduction(double sqrt_s_gev)
    : sqrt_s_gev_(sqrt_s_gev), s_(sqrt_s_gev * sqrt_s_gev) {
  v_max_ = 2.0 * std::log(sqrt_s_gev / (2.0 * kTopMassMinGev));
  bin_width_ = v_max_ / kEnvelopeBins;
  bin_height_.assign(kEnvelopeBins, 0.0);
  for (int b = 0; b < kEnvelopeBins; ++b) {
    double height = 0;
    for (int i = 0; i <= kScanVPerBin; ++i) {
      const double v = bin_width_ * (b + static_cast<double>(i) / kScanVPerBin);
      for (int j = 0; j <= kScanY; ++j) {
        const double y_fraction = static_cast<double>(j) / kScanY;
        for (int k1 = 0; k1 < kScanMasses; ++k1) {
          for (int k2 = 0; k2 < kScanMasses; ++k2) {
            const double m1 =
                kTopMassMinGev + (kTopMassMaxGev - kTopMassMinGev) * k1 / (kScanMasses - 1);
            const double m2 =
                kTopMassMinGev + (kTopMassMaxGev - kTopMassMinGev) * k2 / (kScanMasses - 1);
            height = std::max(height, Weight(v, y_fraction, m1, m2, nullptr));
          }
        }
      }
    }
    bin_height_[b] = kEnvelopeMargin * height;
  }
  bin_cumulative_.assign(kEnvelopeBins, 0.0);
  double sum = 0;
  for (int b = 0; b < kEnvelopeBins; ++b) {
    sum += bin_height_[b];
    bin_cumulative_[b] = sum;
  }
  for (double& c : bin_cumulative_) c /= sum;
}

absl::StatusOr<TtbarProduction> TtbarProduction::Create(double sqrt_s_gev) {
  if (!(sqrt_s_gev >= kMinSqrtSGev && sqrt_s_gev <= kMaxSqrtSGev)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "options.sqrt_s_gev: must be in [", kMinSqrtSGev, ", ", kMaxSqrtSGev,
        "] (2 m_t = ", 2 * kTopMassGev, " plus room for on-shell tops), got ", sqrt_s_gev));
  }
  return TtbarProduction(sqrt_s_gev);
}

double TtbarProduction::Weight(double v, double y_fraction, double m_top, double m_antitop,
                               double* gg_share) const {
  if (gg_share != nullptr) *gg_share = 0;
  const double m_sum = m_top + m_antitop;
  const double s_hat = m_sum * m_sum * std::exp(v);
  const double log_tau = std::log(s_hat / s_);
  if (!(log_tau < 0)) return 0;
  const double y_max = -0.5 * log_tau;
  const double y = y_fraction * y_max;
  const double sqrt_tau = std::exp(0.5 * log_tau);
  const double x1 = sqrt_tau * std::exp(y), x2 = sqrt_tau * std::exp(-y);
  if (!(x1 < 1.0 && x2 < 1.0)) return 0;
  const double sqrt_s_hat = std::sqrt(s_hat);
  const double p = TwoBodyMomentum(sqrt_s_hat, m_top, m_antitop);
  if (p <= 0) return 0;
  const double beta = 2.0 * p / sqrt_s_hat;
  const XPdfs f1 = EvaluatePdfs(x1), f2 = EvaluatePdfs(x2);
  // dx1 dx2 f(x1) f(x2) = dtau dy f f = dv dy (x1 f)(x2 f): the Jacobian tau
  // cancels 1 / (x1 x2). Times 2 y_max for the uniform proposal in y.
  const double gg = f1.g * f2.g * SigmaGg(s_hat, beta);
  const double qq = QqbarProduct(f1, f2) * SigmaQqbar(s_hat, beta);
  const double target = gg + qq;
  if (target <= 0) return 0;
  if (gg_share != nullptr) *gg_share = gg / target;
  return target * 2.0 * y_max;
}

int TtbarProduction::Bin(double v) const {
  return std::clamp(static_cast<int>(v / bin_width_), 0, kEnvelopeBins - 1);
}

double TtbarProduction::AcceptProbability(double v, double y_fraction, double m_top,
                                          double m_antitop, double* gg_share) const {
  return Weight(v, y_fraction, m_top, m_antitop, gg_share) / bin_height_[Bin(v)];
}

PartonEvent TtbarProduction::Generate(CounterRng& rng, const WDecayMasses& masses) const {
  PartonEvent ev;
  // (1)-(2) Top masses, s_hat and the ttbar rapidity by accept-reject on the
  // joint weight: masses from their Breit-Wigners, v from the envelope, y
  // uniform; rejected proposals are all redrawn, so the mass dependence of
  // the cross section is kept.
  double v = 0, y_fraction = 0, gg_share = 0;
  for (;;) {
    ev.m_top = TopBreitWigner().Sample(rng);
    ev.m_antitop = TopBreitWigner().Sample(rng);
    const int bin = static_cast<int>(
        std::upper_bound(bin_cumulative_.begin(), bin_cumulative_.end() - 1, rng.Uniform()) -
        bin_cumulative_.begin());
    v = bin_width_ * (bin + rng.Uniform());
    y_fraction = 2.0 * rng.Uniform() - 1.0;
    const double w = Weight(v, y_fraction, ev.m_top, ev.m_antitop, &gg_share);
    if (rng.Uniform() * bin_height_[bin] < w) break;
  }
  ev.is_gg = rng.Uniform() < gg_share;
  const double m_sum = ev.m_top + ev.m_antitop;
  const double sqrt_s_hat = m_sum * std::exp(0.5 * v);
  const double log_tau = 2.0 * std::log(sqrt_s_hat / sqrt_s_gev_);
  const double y = -0.5 * log_tau * y_fraction;
  const double sqrt_tau = sqrt_s_hat / sqrt_s_gev_;
  ev.x1 = sqrt_tau * std::exp(y);
  ev.x2 = sqrt_tau * std::exp(-y);

  // (3) Top direction in the partonic CM frame.
  const double p = TwoBodyMomentum(sqrt_s_hat, ev.m_top, ev.m_antitop);
  const double beta = 2.0 * p / sqrt_s_hat;
  const Vec3 n = Direction(SampleTopCosTheta(rng, ev.is_gg, beta), 2.0 * kPi * rng.Uniform());
  const FourVector top_cm = OnShell(n, p, ev.m_top);
  const FourVector antitop_cm = OnShell({-n.x, -n.y, -n.z}, p, ev.m_antitop);

  // (4)-(5) Decays in the rest frames: t -> b W+ (W+ -> up + down-bar),
  // tbar -> bbar W- (W- -> down + up-bar).
  ev.m_wplus = WBreitWigner().Sample(rng);
  ev.m_wminus = WBreitWigner().Sample(rng);
  const TopDecay t = DecayTop(rng, ev.m_top, ev.m_wplus, masses.wplus_up, masses.wplus_down);
  const TopDecay tb =
      DecayTop(rng, ev.m_antitop, ev.m_wminus, masses.wminus_up, masses.wminus_down);

  // (6) Boost to the CM frame, then along z to the lab: the ttbar system has
  // rapidity y and zero transverse momentum at LO.
  const double bz = std::tanh(y);
  auto to_lab = [&](const FourVector& rest, const FourVector& parent_cm) {
    return rest.BoostToLabFrom(parent_cm).Boost(0.0, 0.0, bz);
  };
  ev.p[0] = to_lab(tb.down, antitop_cm);
  ev.p[1] = to_lab(tb.up, antitop_cm);
  ev.p[2] = to_lab(tb.b, antitop_cm);
  ev.p[3] = to_lab(t.up, top_cm);
  ev.p[4] = to_lab(t.down, top_cm);
  ev.p[5] = to_lab(t.b, top_cm);
  ev.wminus = to_lab(tb.w, antitop_cm);
  ev.wplus = to_lab(t.w, top_cm);
  ev.top = top_cm.Boost(0.0, 0.0, bz);
  ev.antitop = antitop_cm.Boost(0.0, 0.0, bz);
  return ev;
}

DileptonEvent TtbarProduction::GenerateDilepton(CounterRng& rng) const {
  DileptonEvent out;
  for (out.attempts = 1;; ++out.attempts) {
    // W -> e nu and W -> mu nu with equal probability (lepton universality).
    const bool muon_minus = rng.Uniform() < 0.5;
    const bool muon_plus = rng.Uniform() < 0.5;
    const double m_minus = muon_minus ? kMuonMassGev : kElectronMassGev;
    const double m_plus = muon_plus ? kMuonMassGev : kElectronMassGev;
    WDecayMasses masses;
    masses.wminus_down = m_minus;  // l-
    masses.wminus_up = 0.0;        // nubar
    masses.wplus_up = 0.0;         // nu
    masses.wplus_down = m_plus;    // l+
    const PartonEvent ev = Generate(rng, masses);
    // (7) Leptons: smeared, then the acceptance. An event that fails is
    // replaced by the next one of the same stream.
    const FourVector l_minus = Smear(rng, ev.p[0], kLeptonPtResolution, m_minus);
    const FourVector l_plus = Smear(rng, ev.p[4], kLeptonPtResolution, m_plus);
    const bool accepted = InLeptonAcceptance(l_minus) && InLeptonAcceptance(l_plus);
    if (!accepted && out.attempts < kMaxDileptonAttempts) continue;
    // b-jets: smeared with the jet resolution at the true pT.
    const FourVector b_bar = Smear(rng, ev.p[2], JetResolution(ev.p[2].Pt()), kBottomMassGev);
    const FourVector b = Smear(rng, ev.p[5], JetResolution(ev.p[5].Pt()), kBottomMassGev);
    // MET: the neutrinos, minus the mismeasurement of the visible objects,
    // plus a Gaussian soft term.
    const double nu_x = ev.p[1].px() + ev.p[3].px(), nu_y = ev.p[1].py() + ev.p[3].py();
    const FourVector visible_error =
        (l_minus - ev.p[0]) + (l_plus - ev.p[4]) + (b_bar - ev.p[2]) + (b - ev.p[5]);
    out.met_x = nu_x - visible_error.px() + kMetSoftResolutionGev * rng.Normal();
    out.met_y = nu_y - visible_error.py() + kMetSoftResolutionGev * rng.Normal();
    out.met_true = std::hypot(nu_x, nu_y);
    const bool minus_leads = l_minus.Pt() >= l_plus.Pt();
    out.lepton0 = minus_leads ? l_minus : l_plus;
    out.lepton1 = minus_leads ? l_plus : l_minus;
    const bool bbar_leads = b_bar.Pt() >= b.Pt();
    out.bjet0 = bbar_leads ? b_bar : b;
    out.bjet1 = bbar_leads ? b : b_bar;
    out.n_muons = (muon_minus ? 1 : 0) + (muon_plus ? 1 : 0);
    out.features = ComputeDileptonFeatures(out.lepton0, out.lepton1, out.met_x, out.met_y);
    out.parton = ev;
    return out;
  }
}

}  // namespace ttbar_internal

namespace {

using ttbar_internal::kMaxEvents;

absl::Status CheckEvents(int64_t n_events) {
  if (n_events < 1 || n_events > kMaxEvents) {
    return absl::InvalidArgumentError(
        absl::StrCat("n_events: must be in [1, ", kMaxEvents, "], got ", n_events));
  }
  return absl::OkStatus();
}

absl::StatusOr<ttbar_internal::TtbarProduction> ProductionFor(const SimulatorOptions& options) {
  absl::StatusOr<double> sqrt_s = OptionInRange(
      options, "sqrt_s_gev", 13000.0, ttbar_internal::kMinSqrtSGev, ttbar_internal::kMaxSqrtSGev);
  if (!sqrt_s.ok()) return sqrt_s.status();
  return ttbar_internal::TtbarProduction::Create(*sqrt_s);
}

}  // namespace

std::vector<std::string> TtbarAllhadColumns() {
  std::vector<std::string> columns;
  for (int i = 1; i <= 6; ++i) {
    for (const char* component : {"e", "px", "py", "pz"}) {
      columns.push_back(absl::StrCat("p", i, "_", component, "_gev"));
    }
  }
  for (const char* truth :
       {"m_t_gev", "m_tbar_gev", "m_wplus_gev", "m_wminus_gev", "mtt_gev", "is_gg"}) {
    columns.push_back(truth);
  }
  return columns;
}

std::vector<std::string> TtbarDileptonColumns() {
  return {"pt_l0_gev", "pt_l1_gev", "pt_ll_gev", "m_ll_gev",     "met_gev",   "mt_gev",
          "dphi_ll",   "dr_ll",     "pt_b0_gev", "eta_b0",       "pt_b1_gev", "eta_b1",
          "eta_l0",    "eta_l1",    "n_muons",   "met_true_gev", "mtt_gev",   "is_gg"};
}

absl::StatusOr<Table> GenerateTtbarAllhad(int64_t n_events, uint64_t seed,
                                          const SimulatorOptions& options) {
  if (absl::Status s = CheckEvents(n_events); !s.ok()) return s;
  absl::StatusOr<ttbar_internal::TtbarProduction> production = ProductionFor(options);
  if (!production.ok()) return production.status();
  std::vector<std::string> columns = TtbarAllhadColumns();
  const size_t width = columns.size();
  std::vector<float> values(static_cast<size_t>(n_events) * width);
  for (int64_t i = 0; i < n_events; ++i) {
    if (i % 4096 == 0 && StopRequested()) break;  // the caller discards a stopped table
    CounterRng rng(seed, static_cast<uint64_t>(i));
    const ttbar_internal::PartonEvent ev = production->Generate(rng, ttbar_internal::kAllHadronic);
    float* row = values.data() + static_cast<size_t>(i) * width;
    for (const FourVector& p : ev.p) {
      *row++ = static_cast<float>(p.e());
      *row++ = static_cast<float>(p.px());
      *row++ = static_cast<float>(p.py());
      *row++ = static_cast<float>(p.pz());
    }
    *row++ = static_cast<float>(ev.m_top);
    *row++ = static_cast<float>(ev.m_antitop);
    *row++ = static_cast<float>(ev.m_wplus);
    *row++ = static_cast<float>(ev.m_wminus);
    *row++ = static_cast<float>((ev.top + ev.antitop).Mass());
    *row++ = ev.is_gg ? 1.f : 0.f;
  }
  return Table::Create(std::move(columns), std::move(values));
}

absl::StatusOr<Table> GenerateTtbarDilepton(int64_t n_events, uint64_t seed,
                                            const SimulatorOptions& options) {
  if (absl::Status s = CheckEvents(n_events); !s.ok()) return s;
  absl::StatusOr<ttbar_internal::TtbarProduction> production = ProductionFor(options);
  if (!production.ok()) return production.status();
  std::vector<std::string> columns = TtbarDileptonColumns();
  const size_t width = columns.size();
  std::vector<float> values(static_cast<size_t>(n_events) * width);
  for (int64_t i = 0; i < n_events; ++i) {
    if (i % 4096 == 0 && StopRequested()) break;  // the caller discards a stopped table
    CounterRng rng(seed, static_cast<uint64_t>(i));
    const ttbar_internal::DileptonEvent ev = production->GenerateDilepton(rng);
    const ttbar_internal::DileptonFeatures& f = ev.features;
    const double row_values[] = {f.pt_l0,
                                 f.pt_l1,
                                 f.pt_ll,
                                 f.m_ll,
                                 f.met,
                                 f.mt,
                                 f.dphi_ll,
                                 f.dr_ll,
                                 ev.bjet0.Pt(),
                                 ev.bjet0.Eta(),
                                 ev.bjet1.Pt(),
                                 ev.bjet1.Eta(),
                                 ev.lepton0.Eta(),
                                 ev.lepton1.Eta(),
                                 static_cast<double>(ev.n_muons),
                                 ev.met_true,
                                 (ev.parton.top + ev.parton.antitop).Mass(),
                                 ev.parton.is_gg ? 1.0 : 0.0};
    static_assert(sizeof(row_values) / sizeof(row_values[0]) == 18, "dilepton column count");
    float* row = values.data() + static_cast<size_t>(i) * width;
    for (double v : row_values) *row++ = static_cast<float>(v);
  }
  return Table::Create(std::move(columns), std::move(values));
}

}  // namespace evgen
