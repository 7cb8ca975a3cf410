#include "core/data/ttbar_decay_chain.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>
#include <utility>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/data/replace_columns.h"
#include "core/data/rest_frames.h"
#include "core/physics/constants.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace decay_chain {
namespace {

using frames::Angles;
using frames::Axes;
using frames::Direction;
using frames::HelicityAxes;
using frames::kBeam;
using frames::Momentum;
using frames::OnShell;
using frames::TwoBodyMomentum;
using frames::Vec3;

// Decay writes one top's five decay coordinates (m_W, W angles in the top
// frame, first daughter's angles in the W frame) to out[0..4].
void Decay(const FourVector& a, const FourVector& b, const FourVector& c, double* out) {
  const FourVector top = a + b + c;
  const Axes top_axes = HelicityAxes(Momentum(top), kBeam);
  const FourVector w = (a + b).BoostToRestFrameOf(top);
  const Axes w_axes = HelicityAxes(Momentum(w), top_axes.z);
  const FourVector a_in_w = a.BoostToRestFrameOf(top).BoostToRestFrameOf(w);
  out[0] = (a + b).Mass();
  std::tie(out[1], out[2]) = Angles(Momentum(w), top_axes);
  std::tie(out[3], out[4]) = Angles(Momentum(a_in_w), w_axes);
}

// Rebuild is Decay's inverse for a top of lab momentum `top`: the three
// daughters, from y[0..4] and the daughters' masses m[0..2].
void Rebuild(const FourVector& top, double m_top, const double* y, const double* m, FourVector* out) {
  const double m_w = y[0];
  const Axes top_axes = HelicityAxes(Momentum(top), kBeam);
  const Vec3 q_w = Direction(y[1], y[2], top_axes) * TwoBodyMomentum(m_top, m_w, m[2]);
  const FourVector w = OnShell(q_w, m_w);
  const Axes w_axes = HelicityAxes(q_w, top_axes.z);
  const Vec3 q_a = Direction(y[3], y[4], w_axes) * TwoBodyMomentum(m_w, m[0], m[1]);
  out[0] = OnShell(q_a, m[0]).BoostToLabFrom(w).BoostToLabFrom(top);
  out[1] = OnShell(q_a * -1, m[1]).BoostToLabFrom(w).BoostToLabFrom(top);
  out[2] = OnShell(q_w * -1, m[2]).BoostToLabFrom(top);
}

}  // namespace

std::vector<std::string> CoordinateNames(const std::string& prefix, Longitudinal longitudinal) {
  const bool y = longitudinal == Longitudinal::kRapidity;
  std::vector<std::string> names;
  for (const char* n : {"t1_pt_gev", y ? "t1_y" : "t1_eta", "t1_phi", y ? "t2_y" : "t2_eta", "t1_m_gev", "t2_m_gev"}) {
    names.push_back(prefix + n);
  }
  for (const char* w : {"w1", "w2"}) {
    for (const char* n : {"_m_gev", "_cos_theta", "_phi", "_d_cos_theta", "_d_phi"}) {
      names.push_back(absl::StrCat(prefix, w, n));
    }
  }
  return names;
}

Chain FromMomenta(const Momenta& p, Longitudinal longitudinal) {
  const FourVector t1 = p[0] + p[1] + p[2], t2 = p[3] + p[4] + p[5];
  const bool rapidity = longitudinal == Longitudinal::kRapidity;
  Chain y{};
  y[0] = t1.Pt();
  y[1] = rapidity ? t1.Rapidity() : t1.Eta();
  y[2] = t1.Phi();
  y[3] = rapidity ? t2.Rapidity() : t2.Eta();
  y[4] = t1.Mass();
  y[5] = t2.Mass();
  Decay(p[0], p[1], p[2], &y[6]);
  Decay(p[3], p[4], p[5], &y[11]);
  return y;
}

Momenta ToMomenta(const Chain& y, const std::array<double, 6>& masses, Longitudinal longitudinal) {
  const double pt = y[0], px = pt * std::cos(y[2]), py = pt * std::sin(y[2]);
  // pz = pT sinh(eta), or mT sinh(y) with mT = sqrt(m^2 + pT^2).
  const bool rapidity = longitudinal == Longitudinal::kRapidity;
  const double scale1 = rapidity ? std::hypot(y[4], pt) : pt, scale2 = rapidity ? std::hypot(y[5], pt) : pt;
  const FourVector t1 = OnShell({px, py, scale1 * std::sinh(y[1])}, y[4]);
  const FourVector t2 = OnShell({-px, -py, scale2 * std::sinh(y[3])}, y[5]);
  Momenta p;
  Rebuild(t1, y[4], &y[6], &masses[0], &p[0]);
  Rebuild(t2, y[5], &y[11], &masses[3], &p[3]);
  // The daughters sum to the tops up to rounding; b3 takes the remainder so
  // that the transverse balance is exact.
  double sum_x = 0, sum_y = 0;
  for (int i = 0; i < 5; ++i) {
    sum_x += p[i].px();
    sum_y += p[i].py();
  }
  p[5] = FourVector::FromMomentumAndMass(-sum_x, -sum_y, p[5].pz(), masses[5]);
  return p;
}

double LogAbsDet(const Momenta& p, const std::array<double, 6>& m, Longitudinal longitudinal) {
  const FourVector t1 = p[0] + p[1] + p[2], t2 = p[3] + p[4] + p[5];
  const double m_w1 = (p[0] + p[1]).Mass(), m_w2 = (p[3] + p[4]).Mass();
  double log_j = 0;
  for (const FourVector& q : p) log_j += std::log(q.e());
  log_j += std::log(TwoBodyMomentum(m_w1, m[0], m[1])) + std::log(TwoBodyMomentum(t1.Mass(), m_w1, m[2]));
  log_j += std::log(TwoBodyMomentum(m_w2, m[3], m[4])) + std::log(TwoBodyMomentum(t2.Mass(), m_w2, m[5]));
  // pT^3 cosh(eta1) cosh(eta2) = pT |P1| |P2|.
  log_j += std::log(t1.Pt()) + std::log(t1.P()) + std::log(t2.P());
  log_j -= std::log(t1.e()) + std::log(t2.e());
  // dy/deta = |P| / E at fixed pT and mass.
  if (longitudinal == Longitudinal::kRapidity) log_j -= std::log(t1.P() / t1.e()) + std::log(t2.P() / t2.e());
  return -log_j;
}

}  // namespace decay_chain

namespace {

using Json = nlohmann::json;
using decay_chain::Chain;
using decay_chain::Longitudinal;
using decay_chain::Momenta;

// Tolerances of the input checks: float32 rounding of momenta up to TeV.
constexpr double kRelativeTolerance = 1e-4;
constexpr double kAbsoluteToleranceGev = 1e-3;
// kMinimumWMassGev: a massless W has no rest frame to boost through.
constexpr double kMinimumWMassGev = 1e-3;
constexpr int kMomentumColumns = 24;

// Chain positions of the coordinates Inverse keeps inside their ranges.
constexpr int kPt = 0, kTopMass[2] = {4, 5}, kWMass[2] = {6, 11};
constexpr int kCosTheta[4] = {7, 9, 12, 14};

absl::Status Bad(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("transform ttbar-decay-chain: ", what));
}

class TtbarDecayChain final : public Transform {
 public:
  TtbarDecayChain(std::vector<std::string> particles, std::array<double, 6> masses, std::string prefix, bool clamp,
                  Longitudinal longitudinal)
      : particles_(std::move(particles)), masses_(masses), prefix_(std::move(prefix)), clamp_(clamp),
        longitudinal_(longitudinal), names_(decay_chain::CoordinateNames(prefix_, longitudinal_)) {
    for (const std::string& p : particles_) {
      for (const char* c : {"e", "px", "py", "pz"}) momentum_names_.push_back(absl::StrCat(p, "_", c, "_gev"));
    }
  }

  std::string kind() const override { return "ttbar-decay-chain"; }

  absl::Status Fit(const Table& table) override { return Forward(table).status(); }

  absl::StatusOr<Table> Forward(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx, FindColumnsToReplace(table, momentum_names_, names_, kind()));
    return ReplaceColumns(table, idx, names_, [&](int64_t r, double* out) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(Momenta p, ReadMomenta(table, r, idx));
      const Chain y = decay_chain::FromMomenta(p, longitudinal_);
      std::copy(y.begin(), y.end(), out);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<Table> Inverse(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx, FindColumnsToReplace(table, names_, momentum_names_, kind()));
    return ReplaceColumns(table, idx, momentum_names_, [&](int64_t r, double* out) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(Chain y, ReadChain(table, r, idx));
      const Momenta p = decay_chain::ToMomenta(y, masses_, longitudinal_);
      for (const FourVector& q : p) {
        for (double v : {q.e(), q.px(), q.py(), q.pz()}) *out++ = v;
      }
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx, FindColumnsToReplace(table, momentum_names_, {}, kind()));
    std::vector<double> out(static_cast<size_t>(table.num_rows()));
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      EVGEN_ASSIGN_OR_RETURN(Momenta p, ReadMomenta(table, r, idx));
      out[r] = decay_chain::LogAbsDet(p, masses_, longitudinal_);
    }
    return out;
  }

  Json ToJson() const override {
    return {{"kind", kind()},
            {"particles", particles_},
            {"masses_gev", masses_},
            {"prefix", prefix_},
            {"out_of_range", clamp_ ? "clamp" : "refuse"},
            {"longitudinal", longitudinal_ == Longitudinal::kRapidity ? "rapidity" : "eta"}};
  }

 private:

  // ReadMomenta reads row r's six particles on their mass shells, the last
  // one's px and py from the balance, after the header's checks.
  absl::StatusOr<Momenta> ReadMomenta(const Table& t, int64_t r, const std::vector<int>& idx) const {
    std::array<double, kMomentumColumns> v;
    for (int k = 0; k < kMomentumColumns; ++k) {
      v[k] = t.at(r, idx[k]);
      if (!std::isfinite(v[k])) return Bad(absl::StrCat("row ", r, ": column '", momentum_names_[k], "' is ", v[k]));
    }
    double sum_x = 0, sum_y = 0, scale = 0;
    for (int i = 0; i < 6; ++i) {
      sum_x += v[4 * i + 1];
      sum_y += v[4 * i + 2];
      scale += std::hypot(v[4 * i + 1], v[4 * i + 2]);
    }
    const double allowed = kRelativeTolerance * scale + kAbsoluteToleranceGev;
    if (!(std::abs(sum_x) <= allowed && std::abs(sum_y) <= allowed)) {
      return Bad(absl::StrCat("row ", r, ": the particles' px sum to ", sum_x, " GeV and py to ", sum_y,
                              " GeV, not 0 (allowed: ", allowed, " GeV, 1e-4 of the scalar pT sum plus 1e-3 GeV)"));
    }
    Momenta p;
    for (int i = 0; i < 6; ++i) {
      const double px = i < 5 ? v[4 * i + 1] : v[4 * i + 1] - sum_x;
      const double py = i < 5 ? v[4 * i + 2] : v[4 * i + 2] - sum_y;
      p[i] = FourVector::FromMomentumAndMass(px, py, v[4 * i + 3], masses_[i]);
      const double e = v[4 * i], on_shell = std::sqrt(px * px + py * py + v[4 * i + 3] * v[4 * i + 3] + masses_[i] * masses_[i]);
      if (!(std::abs(e - on_shell) <= kRelativeTolerance * on_shell + kAbsoluteToleranceGev)) {
        return Bad(absl::StrCat("row ", r, ": particle '", particles_[i], "' has E = ", e,
                                " GeV, off its mass shell sqrt(p^2 + m^2) = ", on_shell, " GeV for m = ", masses_[i],
                                " GeV (allowed: 1e-4 E + 1e-3 GeV)"));
      }
    }
    EVGEN_RETURN_IF_ERROR(CheckThresholds(p, r));
    return p;
  }

  absl::Status CheckThresholds(const Momenta& p, int64_t r) const {
    for (int k = 0; k < 2; ++k) {
      const int a = 3 * k;
      const double m_w = (p[a] + p[a + 1]).Mass(), m_t = (p[a] + p[a + 1] + p[a + 2]).Mass();
      if (!(m_w > std::max(masses_[a] + masses_[a + 1], kMinimumWMassGev))) {
        return Bad(absl::StrCat("row ", r, ": W ", k + 1, " (", particles_[a], " + ", particles_[a + 1],
                                ") has mass ", m_w, " GeV, at or below its threshold ",
                                std::max(masses_[a] + masses_[a + 1], kMinimumWMassGev), " GeV: no density there"));
      }
      if (!(m_t > m_w + masses_[a + 2])) {
        return Bad(absl::StrCat("row ", r, ": top ", k + 1, " has mass ", m_t, " GeV, at or below m_W + m_",
                                particles_[a + 2], " = ", m_w + masses_[a + 2], " GeV: no density there"));
      }
    }
    if (!((p[0] + p[1] + p[2]).Pt() > 0)) return Bad(absl::StrCat("row ", r, ": the tops have pT = 0: no density there"));
    return absl::OkStatus();
  }

  // ReadChain reads row r's coordinates and keeps them in their ranges
  // (clamps or refuses, see the header's "out_of_range").
  absl::StatusOr<Chain> ReadChain(const Table& t, int64_t r, const std::vector<int>& idx) const {
    Chain y;
    for (int k = 0; k < decay_chain::kCoordinates; ++k) {
      y[k] = t.at(r, idx[k]);
      if (!std::isfinite(y[k])) {
        return Bad(absl::StrCat("column '", names_[k], "' row ", r, ": ", y[k], " is not finite; no event stands behind it"));
      }
    }
    const double inf = std::numeric_limits<double>::infinity();
    EVGEN_RETURN_IF_ERROR(Limit(y, kPt, 0, inf, r));
    for (int k : kCosTheta) EVGEN_RETURN_IF_ERROR(Limit(y, k, -1, 1, r));
    for (int k = 0; k < 2; ++k) {
      const int a = 3 * k;
      EVGEN_RETURN_IF_ERROR(Limit(y, kWMass[k], std::max(masses_[a] + masses_[a + 1], kMinimumWMassGev), inf, r));
      EVGEN_RETURN_IF_ERROR(Limit(y, kTopMass[k], y[kWMass[k]] + masses_[a + 2], inf, r));
    }
    return y;
  }

  absl::Status Limit(Chain& y, int k, double low, double high, int64_t r) const {
    return KeepInRange(y[k], low, high, clamp_, kind(), names_[k], r);
  }

  std::vector<std::string> particles_;
  std::array<double, 6> masses_;
  std::string prefix_;
  bool clamp_;
  Longitudinal longitudinal_;
  std::vector<std::string> names_, momentum_names_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Transform>> MakeTtbarDecayChain(const Json& spec) {
  std::vector<std::string> particles;
  std::vector<double> masses;
  std::string prefix, out_of_range = "clamp", longitudinal = "eta";
  ConfigReader r(spec, "transform ttbar-decay-chain");
  r.Strings("particles", particles)
      .Require(particles.size() == 6, "particles",
               "must name six particle prefixes: top 1's W daughters and b, then top 2's")
      .Require(std::set<std::string>(particles.begin(), particles.end()).size() == particles.size(), "particles",
               "must be six different prefixes")
      .Numbers("masses_gev", masses, Interval::Closed(0, 1e4))
      .Require(masses.size() == 6, "masses_gev", "must hold the six particles' masses")
      .String("prefix", prefix, /*may_be_empty=*/true)
      .Choice("out_of_range", out_of_range, {"clamp", "refuse"})
      .Choice("longitudinal", longitudinal, {"eta", "rapidity"})
      .Required("particles")
      .Required("masses_gev")
      .Ignore("kind");
  EVGEN_RETURN_IF_ERROR(r.Finish());
  std::array<double, 6> m{};
  std::copy(masses.begin(), masses.end(), m.begin());
  return std::unique_ptr<Transform>(
      std::make_unique<TtbarDecayChain>(std::move(particles), m, std::move(prefix), out_of_range == "clamp",
                                        longitudinal == "rapidity" ? Longitudinal::kRapidity : Longitudinal::kEta));
}

Json TtbarAllhadChainTransforms(decay_chain::Longitudinal longitudinal) {
  Json particles = Json::array(), masses = Json::array();
  for (int i = 1; i <= 6; ++i) {
    particles.push_back(absl::StrCat("p", i));
    masses.push_back(i == 3 || i == 6 ? physics::kBottomMassGev : 0.0);
  }
  const bool rapidity = longitudinal == Longitudinal::kRapidity;
  Json all = Json::array(), bounded = Json::array();
  for (const std::string& c : decay_chain::CoordinateNames("", longitudinal)) {
    all.push_back(c);
    // Rapidities are bounded by the collision energy; pseudorapidities are not.
    if (c != "t1_pt_gev" && c != "t1_eta" && c != "t2_eta") bounded.push_back(c);
  }
  Json chain = {{"kind", "ttbar-decay-chain"}, {"particles", particles}, {"masses_gev", masses}, {"prefix", ""}};
  if (rapidity) chain["longitudinal"] = "rapidity";
  return {chain,
          {{"kind", "log"}, {"columns", {"t1_pt_gev"}}, {"offset", 0}},
          {{"kind", "min-max"}, {"columns", bounded}, {"low", 0.005}, {"high", 0.995}},
          {{"kind", "logit"}, {"columns", bounded}},
          {{"kind", "standardize"}, {"columns", all}}};
}

}  // namespace evgen
