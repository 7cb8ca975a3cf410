#include "core/physics/qcd_multijet.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/physics/constants.h"
#include "core/physics/four_vector.h"
#include "core/physics/qcd_jet_shapes.h"
#include "core/physics/regions.h"
#include "core/random/counter_rng.h"
#include "core/util/stop_check.h"

// The model below is documented formula by formula, with its physics reason,
// in docs/physics.md ("QCD multijet reference simulator"); the numbered
// comments refer to the steps there. Keep the two in step.

namespace evgen {
namespace {

// Acceptance of the analysis (Lin, Bhimji, Nachman 2019, sec. 3.2).
using qcd_internal::kAbsEtaMax;
using qcd_internal::kPtMinGev;
constexpr int kMinJets = 3;
constexpr int kMaxJets = 7;

// Config limits. Event numbers are stored in a float32 column, which holds
// integers exactly up to 2^24. Three 200 GeV jets need sqrt(s) > 600 GeV.
constexpr int64_t kMaxEvents = int64_t{1} << 24;
constexpr double kMinSqrtSGev = kMinJets * kPtMinGev;
constexpr double kMaxSqrtSGev = 1.0e6;

// (1) Jet multiplicity: P(n) ~ r^(n-3) for n = 3..7.
constexpr double kExtraJetRatio = 0.45;

// (2) pT spectrum: pT^-n above threshold times (1 - x_T)^k, x_T = 2 pT / sqrt(s).
constexpr double kPtPowerIndex = 5.0;
constexpr double kPhaseSpacePower = 6.0;

// (3) Angles: event boost, jet rapidity spread, azimuthal decorrelation.
constexpr double kBoostSigma = 0.7;
constexpr double kJetEtaSigma = 1.0;
constexpr double kDeltaPhiSigmaPerJet = 0.15;  // sigma(dphi_12 - pi) = this * (n - 2)

// (4) Quark/gluon origin: f_g = f0 - s ln(pT / 200 GeV) + d (n - 3), clamped.
constexpr double kGluonFractionAt200 = 0.75;
constexpr double kGluonFractionLogSlope = 0.17371779276130073;  // 0.40 / ln(10)
constexpr double kGluonFractionPerExtraJet = 0.05;
constexpr double kGluonFractionMin = 0.05;
constexpr double kGluonFractionMax = 0.95;

// (5) Shower activity z ~ N(0, 1) and (6) charged-track multiplicity: the
// shared TrackModel at its defaults (mu_q = 20 tracks at 200 GeV); (7) the jet
// mass is qcd_internal::SampleTrueMass.
constexpr qcd_internal::TrackModel kTracks{};

// (8) Detector response: relative resolutions a + b |eta|.
constexpr double kPtResolution = 0.04;
constexpr double kPtResolutionPerEta = 0.02;
constexpr int kMaxSmearAttempts = 64;

struct Jet {
  float pt_gev = 0;
  float eta = 0;
  float phi = 0;
  float n_track = 0;
  float mass_gev = 0;
  float is_gluon = 0;
};

double GluonFraction(double pt_gev, int n_jets) {
  const double f = kGluonFractionAt200 - kGluonFractionLogSlope * std::log(pt_gev / kPtMinGev) +
                   kGluonFractionPerExtraJet * (n_jets - kMinJets);
  return std::clamp(f, kGluonFractionMin, kGluonFractionMax);
}

double WrapPhi(double phi) {
  phi = std::fmod(phi + kPi, 2.0 * kPi);
  if (phi < 0) phi += 2.0 * kPi;
  return phi - kPi;
}

// (1) SampleNJets inverts the cumulative of P(n) ~ r^(n-3).
int SampleNJets(CounterRng& rng) {
  static const std::array<double, kMaxJets - kMinJets + 1> cumulative = [] {
    std::array<double, kMaxJets - kMinJets + 1> c{};
    double sum = 0;
    double weight = 1;
    for (double& v : c) {
      sum += weight;
      v = sum;
      weight *= kExtraJetRatio;
    }
    for (double& v : c) v /= sum;
    return c;
  }();
  const double u = rng.Uniform();
  for (int i = 0; i < static_cast<int>(cumulative.size()) - 1; ++i) {
    if (u < cumulative[i]) return kMinJets + i;
  }
  return kMaxJets;
}

// (2) SampleTruePt draws pT^-n by inverse CDF and keeps it with probability
// ((1 - x_T) / (1 - x_T,min))^k, the phase-space (parton luminosity) fall-off
// normalised to 1 at threshold so that the power law is a valid envelope.
double SampleTruePt(CounterRng& rng, double sqrt_s_gev) {
  const double threshold_suppression = 1.0 - 2.0 * kPtMinGev / sqrt_s_gev;
  for (;;) {
    const double pt = kPtMinGev * std::pow(rng.UniformOpen(), -1.0 / (kPtPowerIndex - 1.0));
    const double suppression = std::max(0.0, 1.0 - 2.0 * pt / sqrt_s_gev) / threshold_suppression;
    if (rng.Uniform() < std::pow(suppression, kPhaseSpacePower)) return pt;
  }
}

// (3) SampleEta draws eta = y0 + N(0, sigma) inside the acceptance.
double SampleEta(CounterRng& rng, double boost) {
  for (;;) {
    const double eta = boost + kJetEtaSigma * rng.Normal();
    if (std::fabs(static_cast<float>(eta)) < static_cast<float>(kAbsEtaMax)) return eta;
  }
}

// SampleEvent fills `jets` with one event (ordered by reconstructed pT) and
// returns the number of jets. Every draw comes from `rng`, which is keyed by
// (seed, event index), so the event is a pure function of those two.
int SampleEvent(CounterRng& rng, double sqrt_s_gev, std::array<Jet, kMaxJets>& jets) {
  const int n = SampleNJets(rng);

  // (2) True pT, leading first, so that the back-to-back pair is the hardest.
  std::array<double, kMaxJets> true_pt{};
  for (int i = 0; i < n; ++i) true_pt[i] = SampleTruePt(rng, sqrt_s_gev);
  std::sort(true_pt.begin(), true_pt.begin() + n, [](double x, double y) { return x > y; });

  // (3) Angles.
  double boost = 0;
  do {
    boost = kBoostSigma * rng.Normal();
  } while (std::fabs(boost) >= kAbsEtaMax);
  const double phi0 = kPi * (2.0 * rng.Uniform() - 1.0);
  const double dphi_sigma = kDeltaPhiSigmaPerJet * (n - 2);

  for (int i = 0; i < n; ++i) {
    Jet& jet = jets[i];
    const double eta = SampleEta(rng, boost);
    const double abs_eta = std::fabs(eta);
    double phi = 0;
    if (i == 0) {
      phi = phi0;
    } else if (i == 1) {
      phi = WrapPhi(phi0 + kPi + dphi_sigma * rng.Normal());
    } else {
      phi = kPi * (2.0 * rng.Uniform() - 1.0);
    }

    // (4) Origin, (5) activity, (6) tracks, (7) true mass.
    const bool gluon = rng.Uniform() < GluonFraction(true_pt[i], n);
    const double activity = rng.Normal();
    const double n_track =
        qcd_internal::SampleTracks(rng, kTracks, true_pt[i], abs_eta, gluon, activity);
    const double true_mass = qcd_internal::SampleTrueMass(rng, true_pt[i], gluon, activity);

    // (8) Detector response. The acceptance (pT > 200 GeV) and 0 < m < pT are
    // imposed on the stored float32 values, redrawing the smearing.
    const double pt_resolution = kPtResolution + kPtResolutionPerEta * abs_eta;
    float pt = 0;
    for (int attempt = 0;; ++attempt) {
      pt = static_cast<float>(true_pt[i] * (1.0 + pt_resolution * rng.Normal()));
      if (pt > static_cast<float>(kPtMinGev)) break;
      if (attempt == kMaxSmearAttempts) {
        pt = std::max(static_cast<float>(true_pt[i]),
                      std::nextafter(static_cast<float>(kPtMinGev), 1e9f));
        break;
      }
    }
    const float mass = qcd_internal::SmearMass(rng, true_mass, abs_eta, pt);

    jet.pt_gev = pt;
    jet.eta = static_cast<float>(eta);
    jet.phi = static_cast<float>(phi);
    jet.n_track = static_cast<float>(n_track);
    jet.mass_gev = mass;
    jet.is_gluon = gluon ? 1.f : 0.f;
  }

  // Reconstructed jets are ordered by reconstructed pT.
  std::stable_sort(jets.begin(), jets.begin() + n,
                   [](const Jet& x, const Jet& y) { return x.pt_gev > y.pt_gev; });
  return n;
}

// EventRegion classifies the event from the stored float32 values, so that
// recomputing the region from the output table gives the same answer.
Region EventRegion(const std::array<Jet, kMaxJets>& jets, int n) {
  RegionEvent event;
  event.n_jets = n;
  event.leading_pt_gev = jets[0].pt_gev;
  event.abs_delta_eta_12 =
      std::fabs(static_cast<double>(jets[0].eta) - static_cast<double>(jets[1].eta));
  for (int i = 0; i < std::min(n, 4); ++i) event.sum_mass_leading4_gev += jets[i].mass_gev;
  return ClassifyRegion(event);
}

absl::Status ValidateConfig(const QcdMultijetConfig& cfg) {
  if (cfg.n_events < 1 || cfg.n_events > kMaxEvents) {
    return absl::InvalidArgumentError(absl::StrCat("qcd-multijet: n_events must be in [1, ",
                                                   kMaxEvents, "], got ", cfg.n_events));
  }
  if (!(cfg.sqrt_s_gev > kMinSqrtSGev && cfg.sqrt_s_gev <= kMaxSqrtSGev)) {
    return absl::InvalidArgumentError(
        absl::StrCat("qcd-multijet: sqrt_s_gev must be in (", kMinSqrtSGev, ", ", kMaxSqrtSGev,
                     "] (three jets of pT > ", kPtMinGev, " GeV), got ", cfg.sqrt_s_gev));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Table> GenerateQcdMultijet(const QcdMultijetConfig& cfg) {
  absl::Status valid = ValidateConfig(cfg);
  if (!valid.ok()) return valid;

  Table table(QcdMultijetColumns());
  // <n_jets> = 3.72 for r = 0.45; reserve a little more to avoid a regrowth.
  table.Reserve(cfg.n_events * 15 / 4);
  std::array<Jet, kMaxJets> jets{};
  for (int64_t event = 0; event < cfg.n_events; ++event) {
    if (event % 4096 == 0 && StopRequested()) break;  // the caller discards a stopped table
    CounterRng rng(cfg.seed, static_cast<uint64_t>(event));
    const int n = SampleEvent(rng, cfg.sqrt_s_gev, jets);
    const float region = static_cast<float>(static_cast<int>(EventRegion(jets, n)));
    for (int i = 0; i < n; ++i) {
      const Jet& jet = jets[i];
      table.AppendRow({static_cast<float>(event), static_cast<float>(i), jet.pt_gev, jet.eta,
                       jet.phi, jet.n_track, jet.mass_gev, jet.is_gluon, region});
    }
  }
  return table;
}

}  // namespace evgen
