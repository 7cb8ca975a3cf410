#include "core/physics/jet_clouds.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/physics/constants.h"
#include "core/physics/four_vector.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/stop_check.h"

// The model below is documented formula by formula, with its physics reason,
// in docs/physics.md ("Jet clouds"); the numbered comments refer to
// the steps there. Keep the two in step.
//
// Jet i is a pure function of (seed, i): every random number it uses comes
// from CounterRng(seed, i), redraws included.

namespace evgen {
namespace {

// The jet index is a float32 column, which holds integers exactly up to 2^24.
constexpr int64_t kMaxJets = int64_t{1} << 24;

constexpr int kMinConstituents = 7;
constexpr int kMaxConstituents = 100;

// (1) Jet kinematics: pT ~ pT^-5 on [0.8, 1.25] x jet_pt_gev, eta uniform.
constexpr double kPtLowFactor = 0.8;
constexpr double kPtHighFactor = 1.25;
constexpr double kPtPower = 5.0;
constexpr double kAbsEtaMax = 2.0;
constexpr double kGluonFraction = 0.5;  // of QCD jets

// (2) Top decay chain.
using physics::kTopMassGev;
using physics::kTopWidthGev;
using physics::kWMassGev;
using physics::kWWidthGev;
constexpr double kBreitWignerRange = 10.0;  // truncation in widths

// (3) Parton shower.
using physics::kCA;
using physics::kCF;
using physics::kTR;
constexpr int kFlavours = 5;
constexpr double kLambdaQcdGev = 0.2;
constexpr double kKtCutGev = 1.0;
constexpr double kBeta0 = physics::OneLoopBeta0(kFlavours);

// (4) Fragmentation of each final parton into massless hadrons.
constexpr double kHadronsPerLog = 1.0;       // kappa: mean extra hadrons per e-fold of E
constexpr double kFragmentationE0Gev = 1.0;  // E0
constexpr double kHadronKtSigmaGev = 0.35;   // per transverse component, per string break

constexpr int kMaxRedraws = 1000;

struct Config {
  double top_fraction = 0.5;
  double jet_pt_gev = 1000;
  double sqrt_s_gev = 13000;
  double abs_eta_max = kAbsEtaMax;
};

absl::StatusOr<Config> ParseConfig(int64_t n_jets, const SimulatorOptions& options) {
  if (n_jets < 1 || n_jets > kMaxJets) {
    return absl::InvalidArgumentError(
        absl::StrCat("n_events: must be in [1, ", kMaxJets,
                     "] for jet-clouds (the jet index is a float32 column), got ", n_jets));
  }
  Config cfg;
  EVGEN_ASSIGN_OR_RETURN(cfg.top_fraction, OptionInRange(options, "top_fraction", 0.5, 0, 1));
  EVGEN_ASSIGN_OR_RETURN(cfg.sqrt_s_gev, OptionInRange(options, "sqrt_s_gev", 13000, 1000, 100000));
  EVGEN_ASSIGN_OR_RETURN(cfg.jet_pt_gev,
                         OptionInRange(options, "jet_pt_gev", 1000, 200, cfg.sqrt_s_gev / 4));
  // A jet of the largest pT must fit in one beam's energy: pT cosh(eta) < sqrt(s)/2.
  cfg.abs_eta_max =
      std::min(kAbsEtaMax, std::acosh(cfg.sqrt_s_gev / (2 * kPtHighFactor * cfg.jet_pt_gev)));
  return cfg;
}

double AlphaS(double kt_gev) {
  return 1.0 / (kBeta0 * std::log(kt_gev * kt_gev / (kLambdaQcdGev * kLambdaQcdGev)));
}

// SampleBreitWigner draws a mass from the relativistic Breit-Wigner
// 1 / ((m^2 - M^2)^2 + M^2 Gamma^2) in m^2, truncated at M +- range * Gamma.
double SampleBreitWigner(CounterRng& rng, double mass, double width) {
  const double lo = mass - kBreitWignerRange * width, hi = mass + kBreitWignerRange * width;
  const double mg = mass * width;
  const double t_lo = std::atan((lo * lo - mass * mass) / mg);
  const double t_hi = std::atan((hi * hi - mass * mass) / mg);
  return std::sqrt(mass * mass + mg * std::tan(t_lo + rng.Uniform() * (t_hi - t_lo)));
}

// IsotropicPair returns two back-to-back massless momenta of energy e each.
std::array<FourVector, 2> IsotropicPair(CounterRng& rng, double e) {
  const double cos_theta = 2 * rng.Uniform() - 1;
  const double sin_theta = std::sqrt(1 - cos_theta * cos_theta);
  const double phi = kPi * (2 * rng.Uniform() - 1);
  const FourVector a(e, e * sin_theta * std::cos(phi), e * sin_theta * std::sin(phi),
                     e * cos_theta);
  return {a, FourVector(e, -a.px(), -a.py(), -a.pz())};
}

struct Parton {
  double px, py, pz;
  bool gluon;
  double theta_max;
};

// Basis returns two unit vectors that with n = p / |p| form an orthonormal
// frame.
void Basis(double nx, double ny, double nz, std::array<double, 3>& e1, std::array<double, 3>& e2) {
  double ax = 0, ay = 0, az = 0;
  if (std::abs(nx) < 0.6)
    ax = 1;
  else
    ay = 1;
  double x = ay * nz - az * ny, y = az * nx - ax * nz, z = ax * ny - ay * nx;
  const double norm = std::sqrt(x * x + y * y + z * z);
  e1 = {x / norm, y / norm, z / norm};
  e2 = {ny * e1[2] - nz * e1[1], nz * e1[0] - nx * e1[2], nx * e1[1] - ny * e1[0]};
}

// (4) Fragment turns a final parton of energy E into n = 1 + Poisson(kappa
// ln(E / E0)) massless hadrons (none extra below E0): an iterative cascade
// in which each hadron takes a uniform fraction z of the remaining
// longitudinal momentum (the last takes the rest), and string breaks k
// between hadrons carry Gaussian transverse momenta t_k (sigma 0.35 GeV per
// component, capped at theta_max min(L_k, L_(k+1)) / 2 so that hadrons stay
// inside the parton's angular-ordering cone: local parton-hadron duality),
// hadron k getting t_k - t_(k-1) with t_0 = t_n = 0. Longitudinal fractions sum to one and the
// transverse ones telescope to zero, so the parton's 3-momentum is conserved.
void Fragment(CounterRng& rng, const Parton& p, std::vector<FourVector>& out) {
  const double e = std::sqrt(p.px * p.px + p.py * p.py + p.pz * p.pz);
  const int64_t n =
      1 + (e > kFragmentationE0Gev ? rng.Poisson(kHadronsPerLog * std::log(e / kFragmentationE0Gev))
                                   : 0);
  if (n == 1) {
    out.emplace_back(e, p.px, p.py, p.pz);
    return;
  }
  const double nx = p.px / e, ny = p.py / e, nz = p.pz / e;
  std::array<double, 3> e1, e2;
  Basis(nx, ny, nz, e1, e2);
  std::vector<double> longitudinal(n);
  double remaining = e;
  for (int64_t k = 0; k + 1 < n; ++k) {
    longitudinal[k] = rng.Uniform() * remaining;
    remaining -= longitudinal[k];
  }
  longitudinal[n - 1] = remaining;
  double t1_prev = 0, t2_prev = 0;
  for (int64_t k = 0; k < n; ++k) {
    double t1 = 0, t2 = 0;
    if (k + 1 < n) {
      const double sigma = std::min(
          kHadronKtSigmaGev, 0.5 * p.theta_max * std::min(longitudinal[k], longitudinal[k + 1]));
      t1 = sigma * rng.Normal();
      t2 = sigma * rng.Normal();
    }
    const double k1 = t1 - t1_prev, k2 = t2 - t2_prev;
    t1_prev = t1, t2_prev = t2;
    const double px = longitudinal[k] * nx + k1 * e1[0] + k2 * e2[0];
    const double py = longitudinal[k] * ny + k1 * e1[1] + k2 * e2[1];
    const double pz = longitudinal[k] * nz + k1 * e1[2] + k2 * e2[2];
    out.push_back(FourVector::FromMomentumAndMass(px, py, pz, 0));
  }
}

// (3) Shower evolves one parton by angular-ordered 1 -> 2 collinear
// splittings and appends the final partons, massless, to `out`. Each
// splitting conserves 3-momentum: p -> z p + kT, (1 - z) p - kT, kT
// perpendicular to p, |kT| = z (1 - z) |p| theta. The next emission angle
// follows the veto algorithm on the overestimate
//   dP = (alpha_max / pi) (d theta / theta) P_hat(z) dz,   z in [eps, 1 - eps],
// eps = kT_cut / (|p| theta_max), corrected to alpha_s(kT) P(z) and kT > kT_cut.
void Shower(CounterRng& rng, const Parton& start, std::vector<FourVector>& out) {
  const double alpha_max = AlphaS(kKtCutGev);
  std::vector<Parton> stack = {start};
  while (!stack.empty()) {
    const Parton p = stack.back();
    stack.pop_back();
    const double e = std::sqrt(p.px * p.px + p.py * p.py + p.pz * p.pz);
    const double eps = kKtCutGev / (e * p.theta_max);
    bool split = false;
    double z = 0, theta = p.theta_max;
    int channel = 0;  // 0: q -> q g, 1: g -> g g, 2: g -> q qbar
    if (eps < 0.5) {
      const double log_range = std::log((1 - eps) / eps);
      const double rate_gg = p.gluon ? 2 * kCA * log_range : 0;
      const double rate_qq = p.gluon ? kTR * kFlavours * (1 - 2 * eps) : 0;
      const double rate_q = p.gluon ? 0 : 2 * kCF * log_range;
      const double rate = alpha_max / kPi * (rate_gg + rate_qq + rate_q);
      for (;;) {
        theta *= std::pow(rng.UniformOpen(), 1 / rate);
        // kT is at most |p| theta / 4 (at z = 1/2): nothing resolvable below.
        if (e * theta < 4 * kKtCutGev) break;
        double accept;
        if (!p.gluon) {
          channel = 0;
          // P_hat = 2 C_F / (1 - z): 1 - z log-uniform.
          z = 1 - eps * std::exp(rng.Uniform() * log_range);
          accept = 0.5 * (1 + z * z);  // P_qq = C_F (1 + z^2) / (1 - z)
        } else if (rng.Uniform() * (rate_gg + rate_qq) < rate_gg) {
          channel = 1;
          // P_hat = C_A (1/z + 1/(1-z)): either end, log-uniform.
          const double w = eps * std::exp(rng.Uniform() * log_range);
          z = rng.Uniform() < 0.5 ? w : 1 - w;
          accept = (z / (1 - z) + (1 - z) / z + z * (1 - z)) / (1 / z + 1 / (1 - z));
        } else {
          channel = 2;
          z = eps + rng.Uniform() * (1 - 2 * eps);
          accept = z * z + (1 - z) * (1 - z);  // P_qg = T_R (z^2 + (1-z)^2)
        }
        const double kt = z * (1 - z) * e * theta;
        if (kt < kKtCutGev) continue;
        if (rng.Uniform() * alpha_max > AlphaS(kt) * accept) continue;
        split = true;
        break;
      }
    }
    if (!split) {
      Fragment(rng, p, out);
      continue;
    }
    // An orthonormal pair perpendicular to p, then kT at a uniform azimuth.
    std::array<double, 3> e1, e2;
    Basis(p.px / e, p.py / e, p.pz / e, e1, e2);
    const double phi = kPi * (2 * rng.Uniform() - 1);
    const double kt = z * (1 - z) * e * theta;
    const double kx = kt * (std::cos(phi) * e1[0] + std::sin(phi) * e2[0]);
    const double ky = kt * (std::cos(phi) * e1[1] + std::sin(phi) * e2[1]);
    const double kz = kt * (std::cos(phi) * e1[2] + std::sin(phi) * e2[2]);
    const bool gluon_a = channel == 1;  // q -> q(z) g(1-z); g -> g g; g -> q qbar
    const bool gluon_b = channel != 2;
    stack.push_back({z * p.px + kx, z * p.py + ky, z * p.pz + kz, gluon_a, theta});
    stack.push_back(
        {(1 - z) * p.px - kx, (1 - z) * p.py - ky, (1 - z) * p.pz - kz, gluon_b, theta});
  }
}

FourVector Sum(const std::vector<FourVector>& particles) {
  FourVector sum;
  for (const FourVector& p : particles) sum += p;
  return sum;
}

// (5) Reshuffle restores a decaying parent's mass after its two daughters
// showered (each shower conserves 3-momentum, so it adds mass): in the
// parent's rest frame the two showered systems, of masses m_a and m_b, are
// put back to back along their old axis with the two-body momentum for
// (M, m_a, m_b), each moved as a whole by Lorentz boosts. Afterwards the
// constituents of both sum to `parent` exactly. False if m_a + m_b >= M.
bool Reshuffle(const FourVector& parent, std::vector<FourVector>& a, std::vector<FourVector>& b) {
  const double m = parent.Mass();
  const FourVector qa = Sum(a).BoostToRestFrameOf(parent);
  const FourVector qb = Sum(b).BoostToRestFrameOf(parent);
  const double ma = a.size() > 1 ? std::max(qa.Mass(), 0.0) : 0.0;
  const double mb = b.size() > 1 ? std::max(qb.Mass(), 0.0) : 0.0;
  if (ma + mb >= m) return false;
  double nx = qa.px() - qb.px(), ny = qa.py() - qb.py(), nz = qa.pz() - qb.pz();
  const double norm = std::sqrt(nx * nx + ny * ny + nz * nz);
  nx /= norm, ny /= norm, nz /= norm;
  const double p =
      std::sqrt((m * m - (ma + mb) * (ma + mb)) * (m * m - (ma - mb) * (ma - mb))) / (2 * m);
  auto move = [&](std::vector<FourVector>& set, const FourVector& old_total, double mass,
                  double sign) {
    const FourVector target =
        FourVector::FromMomentumAndMass(sign * p * nx, sign * p * ny, sign * p * nz, mass);
    if (set.size() == 1) {
      set[0] = target.BoostToLabFrom(parent);
      return;
    }
    for (FourVector& c : set) {
      c = c.BoostToRestFrameOf(parent)
              .BoostToRestFrameOf(old_total)
              .BoostToLabFrom(target)
              .BoostToLabFrom(parent);
    }
  };
  move(a, qa, ma, +1);
  move(b, qb, mb, -1);
  return true;
}

double Angle(const FourVector& a, const FourVector& b) {
  const double c = (a.px() * b.px() + a.py() * b.py() + a.pz() * b.pz()) / (a.P() * b.P());
  return std::acos(std::clamp(c, -1.0, 1.0));
}

// ConeAngle is the opening angle that spans Delta R = R around a direction at
// pseudorapidity eta (d theta = d eta / cosh eta), so that the shower's angular
// scale and the jet's Delta R cone agree at every eta (and E theta ~ pT Delta R).
double ConeAngle(const FourVector& p) { return kJetCloudsRadius / std::cosh(p.Eta()); }

Parton ToParton(const FourVector& p, bool gluon, double theta_max) {
  return {p.px(), p.py(), p.pz(), gluon, theta_max};
}

// TopJet: t -> b W, W -> q q', each daughter showered, masses restored.
// Returns false when the showers made the prongs too heavy to fit (redraw).
bool TopJet(CounterRng& rng, const FourVector& top, std::vector<FourVector>& out) {
  const double m_top = top.Mass();
  double m_w = SampleBreitWigner(rng, kWMassGev, kWWidthGev);
  m_w = std::min(m_w, m_top - 1.0);
  // Top rest frame: b and W back to back, |p| = (m_t^2 - m_W^2) / (2 m_t).
  const double p_star = (m_top * m_top - m_w * m_w) / (2 * m_top);
  const auto bw = IsotropicPair(rng, p_star);
  const FourVector b = bw[0].BoostToLabFrom(top);
  const FourVector w =
      FourVector::FromMomentumAndMass(bw[1].px(), bw[1].py(), bw[1].pz(), m_w).BoostToLabFrom(top);
  const auto qq = IsotropicPair(rng, 0.5 * m_w);
  const FourVector q1 = qq[0].BoostToLabFrom(w), q2 = qq[1].BoostToLabFrom(w);
  // (3) Angular-ordering start: the colour-singlet W's quarks radiate inside
  // their opening angle; the b (colour-connected outside the jet) up to the cone's Delta R = R.
  const double theta_qq = Angle(q1, q2);
  std::vector<FourVector> b_set, q1_set, q2_set;
  Shower(rng, ToParton(b, false, ConeAngle(b)), b_set);
  Shower(rng, ToParton(q1, false, theta_qq), q1_set);
  Shower(rng, ToParton(q2, false, theta_qq), q2_set);
  if (!Reshuffle(w, q1_set, q2_set)) return false;
  q1_set.insert(q1_set.end(), q2_set.begin(), q2_set.end());
  if (!Reshuffle(top, b_set, q1_set)) return false;
  out = std::move(b_set);
  out.insert(out.end(), q1_set.begin(), q1_set.end());
  return true;
}

bool ByPtDescending(const FourVector& a, const FourVector& b) { return a.Pt() > b.Pt(); }

// (7) Clip brings the multiplicity into [7, 100] keeping the jet's
// 4-momentum exact: above 100 the softest particle is merged (4-vector sum)
// into its nearest neighbour in Delta R; below 7 the hardest is split into
// two collinear halves. Both are collinear-safe. Leaves `cs` pT-ordered.
void Clip(std::vector<FourVector>& cs) {
  std::stable_sort(cs.begin(), cs.end(), ByPtDescending);
  while (static_cast<int>(cs.size()) > kMaxConstituents) {
    const FourVector soft = cs.back();
    cs.pop_back();
    size_t nearest = 0;
    double best = DeltaR(soft, cs[0]);
    for (size_t k = 1; k < cs.size(); ++k) {
      const double d = DeltaR(soft, cs[k]);
      if (d < best) best = d, nearest = k;
    }
    cs[nearest] += soft;
    std::stable_sort(cs.begin(), cs.end(), ByPtDescending);
  }
  while (static_cast<int>(cs.size()) < kMinConstituents) {
    const FourVector half = cs[0] * 0.5;
    cs[0] = half;
    cs.insert(cs.begin() + 1, half);
    std::stable_sort(cs.begin(), cs.end(), ByPtDescending);
  }
}

}  // namespace

absl::StatusOr<Table> GenerateJetClouds(int64_t n_jets, uint64_t seed,
                                        const SimulatorOptions& options) {
  EVGEN_ASSIGN_OR_RETURN(const Config cfg, ParseConfig(n_jets, options));
  Table table(JetCloudColumns());
  table.Reserve(n_jets * 50);
  std::vector<FourVector> constituents;
  std::array<float, 11> row{};
  const double pt_lo = kPtLowFactor * cfg.jet_pt_gev, pt_hi = kPtHighFactor * cfg.jet_pt_gev;
  for (int64_t i = 0; i < n_jets; ++i) {
    if (i % 4096 == 0 && StopRequested()) break;  // the caller discards a stopped table
    CounterRng rng(seed, static_cast<uint64_t>(i));
    const bool is_top = rng.Uniform() < cfg.top_fraction;
    bool made = false;
    for (int attempt = 0; attempt < kMaxRedraws && !made; ++attempt) {
      // (1) pT from pT^-5 on [pt_lo, pt_hi] by inversion; eta, phi uniform.
      const double a = std::pow(pt_lo, 1 - kPtPower), b = std::pow(pt_hi, 1 - kPtPower);
      const double pt = std::pow(a + rng.Uniform() * (b - a), 1 / (1 - kPtPower));
      const double eta = cfg.abs_eta_max * (2 * rng.Uniform() - 1);
      const double phi = kPi * (2 * rng.Uniform() - 1);
      FourVector axis;
      constituents.clear();
      if (is_top) {
        axis = FourVector::FromPtEtaPhiM(pt, eta, phi,
                                         SampleBreitWigner(rng, kTopMassGev, kTopWidthGev));
        if (!TopJet(rng, axis, constituents)) continue;
      } else {
        axis = FourVector::FromPtEtaPhiM(pt, eta, phi, 0);
        Shower(rng, ToParton(axis, rng.Uniform() < kGluonFraction, ConeAngle(axis)), constituents);
      }
      // (6) The jet keeps what lies within Delta R < R of the initiator.
      constituents.erase(
          std::remove_if(constituents.begin(), constituents.end(),
                         [&](const FourVector& c) { return DeltaR(c, axis) >= kJetCloudsRadius; }),
          constituents.end());
      made = !constituents.empty();
    }
    if (!made) {
      return absl::InternalError(
          absl::StrCat("jet-clouds: jet ", i, " not made in ", kMaxRedraws, " attempts"));
    }
    Clip(constituents);
    const FourVector jet = Sum(constituents);
    const double jet_eta = jet.Eta(), jet_phi = jet.Phi();
    const int n = static_cast<int>(constituents.size());
    for (int k = 0; k < n; ++k) {
      const FourVector& c = constituents[k];
      row = {static_cast<float>(i),
             static_cast<float>(k),
             static_cast<float>(std::log(c.Pt())),
             static_cast<float>(std::log(c.e())),
             static_cast<float>(c.Eta() - jet_eta),
             static_cast<float>(DeltaPhi(c.Phi(), jet_phi)),
             static_cast<float>(jet.Pt()),
             static_cast<float>(jet_eta),
             static_cast<float>(jet.Mass()),
             static_cast<float>(n),
             is_top ? 1.f : 0.f};
      table.AppendRow(row.data());
    }
  }
  return table;
}

}  // namespace evgen
