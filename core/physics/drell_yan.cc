#include "core/physics/drell_yan.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/physics/constants.h"
#include "core/physics/drell_yan_internal.h"
#include "core/physics/four_vector.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/stop_check.h"

// The model below is documented formula by formula, with its physics reason
// and the CMS 2011 yardstick, in docs/physics.md ("Drell-Yan"); the
// numbered comments refer to the steps there. Keep the two in step.
//
// Every random number of event i comes from CounterRng(seed, i), and an event
// that fails the selection is redrawn from the same stream, so row i is a
// pure function of (seed, i) and of the options.

namespace evgen {
namespace {

constexpr int64_t kMaxEvents = 100'000'000;

// Electroweak inputs (PDG): alpha(M_Z) is the coupling of the hard process,
// alpha at q^2 = 0 that of real-photon emission.
using physics::kAlphaEm;
using physics::kAlphaEmMz;
using physics::kFermiConstantGev2;
using physics::kMuonMassGev;
using physics::kSin2ThetaW;
using physics::kZMassGev;
using physics::kZWidthGev;

// (1) Quark flavours of the q qbar luminosity: up-type (u, c) and down-type
// (d, s, b) shares, held fixed in mass.
constexpr double kUpTypeShare = 0.6;

// (2) Parton luminosity from an effective parton density f(x) = x^-(1+lambda)
// (1-x)^b for each beam.
constexpr double kLumiLambda = 0.2;
constexpr double kLumiPower = 5.0;

// (3) Recoil: dN/dpT^2 ~ (pT^2 + p0^2)^-k, truncated at pT = M.
constexpr double kRecoilP0Gev = 7.5;
constexpr double kRecoilShape = 1.6;

// (5) Final-state radiation: photons with energy fraction x > x_min.
constexpr double kFsrXMin = 1.0e-3;

// (6) Muon curvature resolution sigma(1/pT) / (1/pT) = a0 (1 + c eta^2) (+)
// b pT, tuned to the CMS 2011 Z peak (docs/physics.md).
constexpr double kResolutionA0 = 0.012;
constexpr double kResolutionEta2 = 0.25;
constexpr double kResolutionPerGev = 1.0e-4;  // 10% at 1 TeV
constexpr double kMomentumScale = 1.0;

// (7) CMS 2011 Z->mumu selection (Zmumu_Run2011A_masses.csv).
constexpr double kCmsPtMinGev = 6.0;
constexpr double kCmsAbsEtaMax = 2.4;
constexpr double kCmsMassMinGev = 60.0;
constexpr double kCmsMassMaxGev = 120.0;

// Attempts per event before the options are declared unusable.
constexpr int kMaxAttempts = 1'000'000;

struct Config {
  double sqrt_s_gev = 13000;
  bool cms_selection = false;
  bool truth = false;
  double mass_min_gev = 60;
  double mass_max_gev = 120;
};

absl::StatusOr<Config> ParseConfig(int64_t n_events, const SimulatorOptions& options) {
  if (n_events < 1 || n_events > kMaxEvents) {
    return absl::InvalidArgumentError(
        absl::StrCat("n_events: must be in [1, ", kMaxEvents, "], got ", n_events));
  }
  Config cfg;
  EVGEN_ASSIGN_OR_RETURN(cfg.sqrt_s_gev, OptionInRange(options, "sqrt_s_gev", 13000, 200, 100000));
  EVGEN_ASSIGN_OR_RETURN(const double cms, OptionInRange(options, "cms_selection", 0, 0, 1));
  if (cms != 0 && cms != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("options.cms_selection: must be 0 or 1, got ", cms));
  }
  cfg.cms_selection = cms == 1;
  EVGEN_ASSIGN_OR_RETURN(const double truth, OptionInRange(options, "truth", 0, 0, 1));
  if (truth != 0 && truth != 1) {
    return absl::InvalidArgumentError(absl::StrCat("options.truth: must be 0 or 1, got ", truth));
  }
  cfg.truth = truth == 1;
  // Masses up to sqrt(s)/4 keep tau = M^2/s small enough for the effective
  // luminosity, and the truth window (up to 1.5 M_max) inside sqrt(s)/2.
  const double mass_hi = cfg.sqrt_s_gev / 4;
  EVGEN_ASSIGN_OR_RETURN(cfg.mass_min_gev,
                         OptionInRange(options, "mass_min_gev", 60, 1, mass_hi - 1));
  EVGEN_ASSIGN_OR_RETURN(
      cfg.mass_max_gev, OptionInRange(options, "mass_max_gev", 120, cfg.mass_min_gev + 1, mass_hi));
  if (cfg.cms_selection &&
      (cfg.mass_max_gev <= kCmsMassMinGev || cfg.mass_min_gev >= kCmsMassMaxGev)) {
    return absl::InvalidArgumentError(
        absl::StrCat("options.mass_min_gev/mass_max_gev: the window [", cfg.mass_min_gev, ", ",
                     cfg.mass_max_gev, "] does not overlap the CMS selection window [",
                     kCmsMassMinGev, ", ", kCmsMassMaxGev, "] required by cms_selection=1"));
  }
  return cfg;
}

// (1) PartonicShape is the LO q qbar -> Z/gamma* -> mu mu cross section times
// s_hat, summed over flavours, in units of 4 pi alpha^2 / (3 N_c): photon,
// photon-Z interference and Z terms (PDG "Cross-section formulae", with
// V_f = T3 - 2 Q sin^2 theta_W, A_f = T3).
double PartonicShape(double s_hat) {
  constexpr double kMz2 = kZMassGev * kZMassGev;
  const double kappa = std::sqrt(2.0) * kFermiConstantGev2 * kMz2 / (4 * kPi * kAlphaEmMz);
  const double denom = (s_hat - kMz2) * (s_hat - kMz2) + kMz2 * kZWidthGev * kZWidthGev;
  const double chi1 = kappa * s_hat * (s_hat - kMz2) / denom;
  const double chi2 = kappa * kappa * s_hat * s_hat / denom;
  const double v_mu = -0.5 + 2 * kSin2ThetaW, a_mu = -0.5;
  auto flavour = [&](double q, double t3) {
    const double v = t3 - 2 * q * kSin2ThetaW, a = t3;
    return q * q - 2 * q * v_mu * v * chi1 + (a_mu * a_mu + v_mu * v_mu) * (a * a + v * v) * chi2;
  };
  const double sum =
      kUpTypeShare * flavour(2.0 / 3.0, 0.5) + (1 - kUpTypeShare) * flavour(-1.0 / 3.0, -0.5);
  return std::max(sum, 0.0);
}

// BornSampler draws (M, y) of the dimuon system from
//   d sigma / dM dy ~ M tau^-(1+lambda) (1 - sqrt(tau) e^y)^b (1 - sqrt(tau) e^-y)^b
//                     * PartonicShape(M^2) / M^2,   tau = M^2 / s,
// by rejection from a proposal that is half a relativistic Breit-Wigner in
// M^2 and half a power law M^-3, with y uniform in |y| < ln(sqrt(s) / M).
class BornSampler {
 public:
  BornSampler(double sqrt_s_gev, double m_lo, double m_hi)
      : sqrt_s_(sqrt_s_gev), m_lo_(m_lo), m_hi_(m_hi) {
    constexpr double kMz2 = kZMassGev * kZMassGev, kMG = kZMassGev * kZWidthGev;
    theta_lo_ = std::atan((m_lo * m_lo - kMz2) / kMG);
    theta_hi_ = std::atan((m_hi * m_hi - kMz2) / kMG);
    inv2_lo_ = 1 / (m_lo * m_lo);
    inv2_hi_ = 1 / (m_hi * m_hi);
    // The envelope: the largest bound over a dense scan, in ln M and in the
    // Breit-Wigner angle, with a 5% margin. The ratio is smooth, so the scan
    // misses its maximum by far less than the margin.
    double max_bound = 0;
    constexpr int kScan = 4096;
    for (int i = 0; i <= kScan; ++i) {
      const double f = static_cast<double>(i) / kScan;
      const double m_log = m_lo * std::exp(f * std::log(m_hi / m_lo));
      const double theta = theta_lo_ + f * (theta_hi_ - theta_lo_);
      const double m_bw = std::sqrt(std::max(kMz2 + kMG * std::tan(theta), m_lo * m_lo));
      max_bound = std::max({max_bound, Bound(m_log), Bound(std::clamp(m_bw, m_lo, m_hi))});
    }
    envelope_ = 1.05 * max_bound;
  }

  // Sample returns (M, y); it never fails (the acceptance is tens of percent).
  void Sample(CounterRng& rng, double& mass, double& rapidity) const {
    for (;;) {
      double m;
      if (rng.Uniform() < 0.5) {
        const double theta = theta_lo_ + rng.Uniform() * (theta_hi_ - theta_lo_);
        m = std::sqrt(kZMassGev * kZMassGev + kZMassGev * kZWidthGev * std::tan(theta));
      } else {
        m = 1 / std::sqrt(inv2_lo_ + rng.Uniform() * (inv2_hi_ - inv2_lo_));
      }
      m = std::clamp(m, m_lo_, m_hi_);
      const double r = m / sqrt_s_;
      const double y_max = -std::log(r);
      const double y = y_max * (2 * rng.Uniform() - 1);
      const double shape = std::pow((1 - r * std::exp(y)) * (1 - r * std::exp(-y)), kLumiPower) /
                           std::pow(1 - r, 2 * kLumiPower);
      if (rng.Uniform() * envelope_ < Bound(m) * shape) {
        mass = m;
        rapidity = y;
        return;
      }
    }
  }

 private:
  // Proposal returns the proposal density of M (normalisation irrelevant,
  // but both halves normalised on the window).
  double Proposal(double m) const {
    constexpr double kMz2 = kZMassGev * kZMassGev, kMG = kZMassGev * kZWidthGev;
    const double s = m * m;
    const double bw = 2 * m * kMG / ((s - kMz2) * (s - kMz2) + kMG * kMG) / (theta_hi_ - theta_lo_);
    const double power = 2 / (m * m * m) / (inv2_lo_ - inv2_hi_);
    return 0.5 * bw + 0.5 * power;
  }
  // Bound is the target over the proposal at y = 0, where the rapidity
  // factor is largest, times the rapidity range 2 y_max.
  double Bound(double m) const {
    const double r = m / sqrt_s_;
    const double tau = r * r;
    const double target = m * std::pow(tau, -(1 + kLumiLambda)) * std::pow(1 - r, 2 * kLumiPower) *
                          PartonicShape(m * m) / (m * m);
    return 2 * -std::log(r) * target / Proposal(m);
  }

  double sqrt_s_, m_lo_, m_hi_;
  double theta_lo_ = 0, theta_hi_ = 0, inv2_lo_ = 0, inv2_hi_ = 0;
  double envelope_ = 1;
};

// (3) SampleRecoilPt draws the dimuon pT from dN/dpT^2 ~ (pT^2 + p0^2)^-k on
// [0, M] by inverting its CDF 1 - (p0^2 / (pT^2 + p0^2))^(k-1).
double SampleRecoilPt(CounterRng& rng, double mass) {
  const double p02 = kRecoilP0Gev * kRecoilP0Gev;
  const double cdf_max = 1 - std::pow(p02 / (mass * mass + p02), kRecoilShape - 1);
  const double u = rng.Uniform() * cdf_max;
  return kRecoilP0Gev * std::sqrt(std::max(std::pow(1 - u, -1 / (kRecoilShape - 1)) - 1, 0.0));
}

drell_yan_internal::DimuonTruth SampleBorn(const BornSampler& sampler, CounterRng& rng) {
  drell_yan_internal::DimuonTruth t;
  sampler.Sample(rng, t.mass_gev, t.rapidity);
  t.pt_gev = SampleRecoilPt(rng, t.mass_gev);
  const double phi = kPi * (2 * rng.Uniform() - 1);
  const double mt = std::hypot(t.mass_gev, t.pt_gev);
  const FourVector z(mt * std::cosh(t.rapidity), t.pt_gev * std::cos(phi), t.pt_gev * std::sin(phi),
                     mt * std::sinh(t.rapidity));
  // (4) Decay angle: 1 + cos^2(theta) about the beam axis in the dimuon rest
  // frame, azimuth uniform.
  double cos_theta;
  do {
    cos_theta = 2 * rng.Uniform() - 1;
  } while (2 * rng.Uniform() > 1 + cos_theta * cos_theta);
  const double sin_theta = std::sqrt(1 - cos_theta * cos_theta);
  const double phi_star = kPi * (2 * rng.Uniform() - 1);
  const double p_star =
      std::sqrt(std::max(0.25 * t.mass_gev * t.mass_gev - kMuonMassGev * kMuonMassGev, 0.0));
  const double px = p_star * sin_theta * std::cos(phi_star);
  const double py = p_star * sin_theta * std::sin(phi_star);
  const double pz = p_star * cos_theta;
  t.mu_minus = FourVector::FromMomentumAndMass(px, py, pz, kMuonMassGev).BoostToLabFrom(z);
  t.mu_plus = FourVector::FromMomentumAndMass(-px, -py, -pz, kMuonMassGev).BoostToLabFrom(z);
  return t;
}

// (5) RadiatePhoton returns the fraction of the muon's momentum lost to a
// collinear final-state photon: one emission at most, with probability
// density (alpha / 2 pi) L (1 + (1 - x)^2) / x on [x_min, 1), L = ln(M^2 /
// m_mu^2) - 1, and 0 (no visible emission) otherwise.
double RadiatePhoton(CounterRng& rng, double dimuon_mass) {
  const double log_term = 2 * std::log(dimuon_mass / kMuonMassGev) - 1;
  const double integral =
      2 * std::log(1 / kFsrXMin) - 2 * (1 - kFsrXMin) + 0.5 * (1 - kFsrXMin * kFsrXMin);
  const double p_emit = std::min(kAlphaEm / (2 * kPi) * log_term * integral, 1.0);
  if (rng.Uniform() >= p_emit) return 0;
  for (;;) {
    // Proposal dx / x on [x_min, 1), accepted with (1 + (1 - x)^2) / 2.
    const double x = std::pow(kFsrXMin, rng.Uniform());
    if (2 * rng.Uniform() < 1 + (1 - x) * (1 - x)) return x;
  }
}

// (6) Reconstruct applies radiation, then the curvature smearing, keeping
// eta and phi (the tracker's angular resolution, ~1 mrad, is negligible).
FourVector Reconstruct(CounterRng& rng, const FourVector& muon, double dimuon_mass) {
  const double keep = 1 - RadiatePhoton(rng, dimuon_mass);
  const double pt = muon.Pt() * keep;
  const double eta = muon.Eta();
  const double a = kResolutionA0 * (1 + kResolutionEta2 * eta * eta);
  const double b = kResolutionPerGev * pt;
  const double sigma = std::sqrt(a * a + b * b);
  // Gaussian in curvature q/pT; a curvature that would flip sign (charge
  // misassignment, below 1e-6 up to TeV scales) is clamped at 10% of the truth.
  const double curvature = std::max(1 + sigma * rng.Normal(), 0.1);
  return FourVector::FromPtEtaPhiM(kMomentumScale * pt / curvature, eta, muon.Phi(), kMuonMassGev);
}

bool PassesCms(const FourVector& mu) {
  return mu.Pt() > kCmsPtMinGev && std::abs(mu.Eta()) < kCmsAbsEtaMax;
}

void AppendMuon(const FourVector& mu, float charge, std::vector<float>& row) {
  row.insert(row.end(),
             {static_cast<float>(mu.e()), static_cast<float>(mu.px()), static_cast<float>(mu.py()),
              static_cast<float>(mu.pz()), static_cast<float>(mu.Pt()),
              static_cast<float>(mu.Eta()), static_cast<float>(mu.Phi()), charge});
}

// AppendTruth appends a Born-level muon's pT, eta and phi.
void AppendTruth(const FourVector& mu, std::vector<float>& row) {
  row.insert(row.end(), {static_cast<float>(mu.Pt()), static_cast<float>(mu.Eta()),
                         static_cast<float>(mu.Phi())});
}

}  // namespace

std::vector<std::string> DrellYanColumns() {
  return {"E1",  "px1", "py1", "pz1", "pt1",  "eta1", "phi1", "Q1", "E2",
          "px2", "py2", "pz2", "pt2", "eta2", "phi2", "Q2",   "M"};
}

std::vector<std::string> DrellYanTruthColumns() {
  return {"pt1_gen", "eta1_gen", "phi1_gen", "pt2_gen", "eta2_gen", "phi2_gen", "M_gen"};
}

absl::StatusOr<Table> GenerateDrellYan(int64_t n_events, uint64_t seed,
                                       const SimulatorOptions& options) {
  EVGEN_ASSIGN_OR_RETURN(const Config cfg, ParseConfig(n_events, options));
  double m_lo = cfg.mass_min_gev, m_hi = cfg.mass_max_gev;
  if (cfg.cms_selection) {
    m_lo = std::max(m_lo, kCmsMassMinGev);
    m_hi = std::min(m_hi, kCmsMassMaxGev);
  }
  // Truth window: wide enough that smearing migrates events in from below
  // and radiation from above (the Z peak feeds a window that ends below it).
  const double truth_lo = std::max(0.8 * m_lo, 2 * kMuonMassGev + 0.01);
  const double truth_hi = std::min(1.5 * std::max(m_hi, 1.2 * kZMassGev), 0.5 * cfg.sqrt_s_gev);
  const BornSampler sampler(cfg.sqrt_s_gev, truth_lo, truth_hi);

  std::vector<std::string> columns = DrellYanColumns();
  if (cfg.truth) {
    for (std::string& c : DrellYanTruthColumns()) columns.push_back(std::move(c));
  }
  Table table(columns);
  table.Reserve(n_events);
  std::vector<float> row;
  row.reserve(columns.size());
  for (int64_t i = 0; i < n_events; ++i) {
    if (i % 4096 == 0 && StopRequested()) break;  // the caller discards a stopped table
    CounterRng rng(seed, static_cast<uint64_t>(i));
    bool accepted = false;
    for (int attempt = 0; attempt < kMaxAttempts && !accepted; ++attempt) {
      const drell_yan_internal::DimuonTruth t = SampleBorn(sampler, rng);
      const FourVector mu_minus = Reconstruct(rng, t.mu_minus, t.mass_gev);
      const FourVector mu_plus = Reconstruct(rng, t.mu_plus, t.mass_gev);
      const double mass = (mu_minus + mu_plus).Mass();
      if (!(mass > m_lo && mass < m_hi)) continue;
      if (cfg.cms_selection && !(PassesCms(mu_minus) && PassesCms(mu_plus))) continue;
      // The order of the two muons carries no information, as in the CMS
      // tables (about half of their rows list the mu+ first).
      const bool plus_first = rng.Uniform() < 0.5;
      row.clear();
      AppendMuon(plus_first ? mu_plus : mu_minus, plus_first ? 1.f : -1.f, row);
      AppendMuon(plus_first ? mu_minus : mu_plus, plus_first ? -1.f : 1.f, row);
      row.push_back(static_cast<float>(mass));
      // The truth columns only read the event's values: the random stream,
      // and so every detector column, is the same with truth=0 and truth=1.
      if (cfg.truth) {
        AppendTruth(plus_first ? t.mu_plus : t.mu_minus, row);
        AppendTruth(plus_first ? t.mu_minus : t.mu_plus, row);
        row.push_back(static_cast<float>(t.mass_gev));
      }
      table.AppendRow(row.data());
      accepted = true;
    }
    if (!accepted) {
      return absl::InvalidArgumentError(
          absl::StrCat("options: the mass window [", m_lo, ", ", m_hi, "] GeV",
                       cfg.cms_selection ? " with cms_selection=1" : "", " accepted no event in ",
                       kMaxAttempts, " attempts"));
    }
  }
  return table;
}

namespace drell_yan_internal {

absl::StatusOr<std::vector<DimuonTruth>> GenerateDrellYanTruth(int64_t n_events, uint64_t seed,
                                                               const SimulatorOptions& options) {
  EVGEN_ASSIGN_OR_RETURN(const Config cfg, ParseConfig(n_events, options));
  const BornSampler sampler(cfg.sqrt_s_gev, cfg.mass_min_gev, cfg.mass_max_gev);
  std::vector<DimuonTruth> events;
  events.reserve(n_events);
  for (int64_t i = 0; i < n_events; ++i) {
    CounterRng rng(seed, static_cast<uint64_t>(i));
    events.push_back(SampleBorn(sampler, rng));
  }
  return events;
}

}  // namespace drell_yan_internal
}  // namespace evgen
