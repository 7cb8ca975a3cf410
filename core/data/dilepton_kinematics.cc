#include "core/data/dilepton_kinematics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/data/replace_columns.h"
#include "core/physics/constants.h"
#include "core/physics/ttbar.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

using Json = nlohmann::json;
using physics::kPi;

// kFloor keeps logs and the Jacobian finite on float32 ties, kEdge the
// bounded coordinates inside (0, 1) where rounding puts them on an edge
// (see the header).
constexpr double kFloor = 1e-6;
constexpr double kEdge = 1e-5;
// Tolerances of Forward's consistency checks (header): float32 rounding of
// the stored features, and for m(ll) the leptons' masses.
constexpr double kPtRelative = 1e-5, kPtAbsoluteGev = 1e-3;
// m(ll)^2 of massive leptons exceeds the massless one by about
// m_l^2 (2 + p0 / p1 + p1 / p0), p the momenta, whose ratio is at most the
// pT ratio times e^|deta|; allowed: that with 0.05 GeV^2 (4.5 m_mu^2) for
// m_l^2, plus float32 rounding (kMass2Relative).
constexpr double kMass2Relative = 2e-3, kLeptonMass2MarginGev2 = 0.05;
constexpr double kMt2Relative = 1e-5, kMt2AbsoluteGev2 = 1e-3;
constexpr double kAngleTolerance = 1e-6;

// The replaced features, in the order Inverse writes them; met_gev stays.
enum Feature { kPt0, kPt1, kPtLl, kMLl, kMt, kDphi, kDr, kFeatures };
const std::vector<std::string>& FeatureNames() {
  static const std::vector<std::string> names = {"pt_l0_gev", "pt_l1_gev", "pt_ll_gev", "m_ll_gev",
                                                 "mt_gev",    "dphi_ll",   "dr_ll"};
  return names;
}
constexpr const char* kMetColumn = "met_gev";

enum Coordinate { kExcess, kGap, kDphiOverPi, kDetaOverMax, kAngleOverPi, kCoordinates };
const std::vector<std::string>& CoordinateNames() {
  static const std::vector<std::string> names = {"pt_l1_above_min_gev", "pt_l0_minus_l1_gev",
                                                 "dphi_ll_over_pi", "deta_ll_over_max",
                                                 "met_angle_over_pi"};
  return names;
}

using Features = std::array<double, kFeatures>;
using Coordinates = std::array<double, kCoordinates>;

absl::Status Bad(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("transform dilepton-kinematics: ", what));
}

// Two massless leptons' transverse momentum and invariant mass.
double PairPt(double pt0, double pt1, double dphi) {
  return std::sqrt(std::max(0.0, pt0 * pt0 + pt1 * pt1 + 2 * pt0 * pt1 * std::cos(dphi)));
}
double PairMass(double pt0, double pt1, double dphi, double deta) {
  return std::sqrt(std::max(0.0, 2 * pt0 * pt1 * (std::cosh(deta) - std::cos(dphi))));
}
// mT^2 of the pair and MET at the angle whose cosine is `c`.
double TransverseMassSquared(double m, double pt_ll, double met, double c) {
  return m * m + 2 * met * (std::hypot(pt_ll, m) - pt_ll * c);
}
double Deta(const Features& f) {
  return std::sqrt(std::max(0.0, f[kDr] * f[kDr] - f[kDphi] * f[kDphi]));
}

// The angle between pT(ll) and MET that gives the row's mT (pi / 2 where
// every angle gives the same).
double MetAngle(const Features& f, double met) {
  if (!(met > 0 && f[kPtLl] > 0)) return kPi / 2;
  const double m = f[kMLl];
  const double c =
      (m * m + 2 * met * std::hypot(f[kPtLl], m) - f[kMt] * f[kMt]) / (2 * met * f[kPtLl]);
  return std::acos(std::clamp(c, -1.0, 1.0));
}

class DileptonKinematics final : public Transform {
 public:
  DileptonKinematics(double pt_min, double abs_eta_max, bool clamp)
      : pt_min_(pt_min), deta_max_(2 * abs_eta_max), clamp_(clamp) {}

  std::string kind() const override { return "dilepton-kinematics"; }

  absl::Status Fit(const Table& table) override { return Forward(table).status(); }

  absl::StatusOr<Table> Forward(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx,
                           FindColumnsToReplace(table, FeatureNames(), CoordinateNames(), kind()));
    EVGEN_ASSIGN_OR_RETURN(int met, MetIndex(table));
    return ReplaceColumns(
        table, idx, CoordinateNames(), [&](int64_t r, double* out) -> absl::Status {
          EVGEN_ASSIGN_OR_RETURN(Features f, ReadFeatures(table, r, idx, met));
          out[kExcess] = std::max(f[kPt1] - pt_min_, kFloor);
          out[kGap] = std::max(f[kPt0] - f[kPt1], kFloor);
          out[kDphiOverPi] = std::clamp(f[kDphi] / kPi, kEdge, 1 - kEdge);
          out[kDetaOverMax] = std::clamp(Deta(f) / deta_max_, kEdge, 1 - kEdge);
          out[kAngleOverPi] = std::clamp(MetAngle(f, table.at(r, met)) / kPi, kEdge, 1 - kEdge);
          return absl::OkStatus();
        });
  }

  absl::StatusOr<Table> Inverse(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx,
                           FindColumnsToReplace(table, CoordinateNames(), FeatureNames(), kind()));
    EVGEN_ASSIGN_OR_RETURN(int met_index, MetIndex(table));
    return ReplaceColumns(table, idx, FeatureNames(), [&](int64_t r, double* out) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(Coordinates x, ReadCoordinates(table, r, idx, met_index));
      const double met = std::max(0.0, static_cast<double>(table.at(r, met_index)));
      out[kPt1] = pt_min_ + x[kExcess];
      out[kPt0] = out[kPt1] + x[kGap];
      out[kDphi] = kPi * x[kDphiOverPi];
      const double deta = deta_max_ * x[kDetaOverMax];
      out[kDr] = std::hypot(out[kDphi], deta);
      out[kPtLl] = PairPt(out[kPt0], out[kPt1], out[kDphi]);
      out[kMLl] = PairMass(out[kPt0], out[kPt1], out[kDphi], deta);
      const double mt2 =
          TransverseMassSquared(out[kMLl], out[kPtLl], met, std::cos(kPi * x[kAngleOverPi]));
      out[kMt] = std::sqrt(std::max(0.0, mt2));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx,
                           FindColumnsToReplace(table, FeatureNames(), {}, kind()));
    EVGEN_ASSIGN_OR_RETURN(int met_index, MetIndex(table));
    std::vector<double> out(static_cast<size_t>(table.num_rows()));
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      EVGEN_ASSIGN_OR_RETURN(Features f, ReadFeatures(table, r, idx, met_index));
      const double met = table.at(r, met_index);
      const double sin_angle = std::sin(MetAngle(f, met));
      out[r] = -2 * std::log(kPi) - std::log(deta_max_) + std::log(std::max(f[kDr], kFloor)) -
               std::log(std::max(Deta(f), kFloor)) + std::log(std::max(f[kMt], kFloor)) -
               std::log(std::max(met, kFloor)) - std::log(std::max(f[kPtLl], kFloor)) -
               std::log(std::max(sin_angle, kFloor));
    }
    return out;
  }

  Json ToJson() const override {
    return {{"kind", kind()},
            {"lepton_pt_min_gev", pt_min_},
            {"lepton_abs_eta_max", deta_max_ / 2},
            {"out_of_range", clamp_ ? "clamp" : "refuse"}};
  }

 private:
  static absl::StatusOr<int> MetIndex(const Table& table) {
    absl::StatusOr<int> i = table.ColumnIndex(kMetColumn);
    if (!i.ok()) return Bad(std::string(i.status().message()));
    return *i;
  }

  // ReadFeatures reads row r's features after the header's checks.
  absl::StatusOr<Features> ReadFeatures(const Table& t, int64_t r, const std::vector<int>& idx,
                                        int met_index) const {
    Features f;
    for (int k = 0; k < kFeatures; ++k) {
      f[k] = t.at(r, idx[k]);
      if (!std::isfinite(f[k]))
        return Bad(absl::StrCat("row ", r, ": column '", FeatureNames()[k], "' is ", f[k]));
    }
    const double met = t.at(r, met_index);
    if (!(met >= 0))
      return Bad(absl::StrCat("row ", r, ": column 'met_gev' is ", met, ", not a magnitude >= 0"));
    if (f[kPt1] < pt_min_) {
      return Bad(absl::StrCat("row ", r, ": pt_l1_gev = ", f[kPt1],
                              " is below lepton_pt_min_gev = ", pt_min_,
                              " (the cut the coordinates start from)"));
    }
    if (f[kPt0] < f[kPt1]) {
      return Bad(absl::StrCat("row ", r, ": pt_l0_gev = ", f[kPt0], " is below pt_l1_gev = ",
                              f[kPt1], " (the leptons must be ordered by pT)"));
    }
    if (!(f[kDphi] >= 0 && f[kDphi] <= kPi + kAngleTolerance)) {
      return Bad(absl::StrCat("row ", r, ": dphi_ll = ", f[kDphi], " is outside [0, pi]"));
    }
    if (f[kDr] < f[kDphi] * (1 - kAngleTolerance) - kAngleTolerance) {
      return Bad(absl::StrCat("row ", r, ": dr_ll = ", f[kDr], " is below dphi_ll = ", f[kDphi]));
    }
    if (Deta(f) > deta_max_ * (1 + kAngleTolerance)) {
      return Bad(absl::StrCat("row ", r, ": dr_ll and dphi_ll give |deta| = ", Deta(f),
                              ", above 2 lepton_abs_eta_max = ", deta_max_));
    }
    return CheckConsistent(f, met, r);
  }

  static absl::StatusOr<Features> CheckConsistent(const Features& f, double met, int64_t r) {
    const double pt_ll = PairPt(f[kPt0], f[kPt1], f[kDphi]);
    if (!(std::abs(f[kPtLl] - pt_ll) <= kPtRelative * (f[kPt0] + f[kPt1]) + kPtAbsoluteGev)) {
      return Bad(absl::StrCat("row ", r, ": pt_ll_gev = ", f[kPtLl],
                              " is not the leptons' pT sum, ", pt_ll,
                              " GeV from pt_l0_gev, pt_l1_gev and dphi_ll"));
    }
    const double m = PairMass(f[kPt0], f[kPt1], f[kDphi], Deta(f));
    const double ratios = (f[kPt0] / f[kPt1] + f[kPt1] / f[kPt0]) * std::exp(Deta(f));
    const double mass_allowed = kMass2Relative * m * m + kLeptonMass2MarginGev2 * (2 + ratios);
    if (!(std::abs(f[kMLl] * f[kMLl] - m * m) <= mass_allowed)) {
      return Bad(absl::StrCat("row ", r, ": m_ll_gev = ", f[kMLl], " is not the leptons' mass, ", m,
                              " GeV from their pT, dphi_ll and dr_ll"));
    }
    const double low = TransverseMassSquared(f[kMLl], f[kPtLl], met, 1);
    const double high = TransverseMassSquared(f[kMLl], f[kPtLl], met, -1);
    const double allowed = kMt2Relative * high + kMt2AbsoluteGev2, mt2 = f[kMt] * f[kMt];
    if (!(mt2 >= low - allowed && mt2 <= high + allowed)) {
      return Bad(absl::StrCat("row ", r, ": mt_gev = ", f[kMt], " is outside [",
                              std::sqrt(std::max(0.0, low)), ", ", std::sqrt(high),
                              "] GeV, the transverse masses of this pair and MET"));
    }
    return f;
  }

  // ReadCoordinates reads row r's coordinates and keeps them in their
  // ranges (clamps or refuses, see the header).
  absl::StatusOr<Coordinates> ReadCoordinates(const Table& t, int64_t r,
                                              const std::vector<int>& idx, int met_index) const {
    Coordinates x;
    for (int k = 0; k < kCoordinates; ++k) {
      x[k] = t.at(r, idx[k]);
      if (!std::isfinite(x[k])) {
        return Bad(absl::StrCat("column '", CoordinateNames()[k], "' row ", r, ": ", x[k],
                                " is not finite; no event stands behind it"));
      }
    }
    const double met = t.at(r, met_index);
    if (!std::isfinite(met) || (!clamp_ && met < 0)) {
      return Bad(
          absl::StrCat("column 'met_gev' row ", r, ": ", met, " is not a finite magnitude >= 0"));
    }
    const double inf = std::numeric_limits<double>::infinity();
    for (int k : {kExcess, kGap}) EVGEN_RETURN_IF_ERROR(Limit(x, k, 0, inf, r));
    for (int k : {kDphiOverPi, kDetaOverMax, kAngleOverPi})
      EVGEN_RETURN_IF_ERROR(Limit(x, k, 0, 1, r));
    return x;
  }

  absl::Status Limit(Coordinates& x, int k, double low, double high, int64_t r) const {
    return KeepInRange(x[k], low, high, clamp_, kind(), CoordinateNames()[k], r);
  }

  double pt_min_;
  double deta_max_;  // 2 |eta|max: the largest |deta| two accepted leptons can have
  bool clamp_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Transform>> MakeDileptonKinematics(const Json& spec) {
  double pt_min = 0, abs_eta_max = 0;
  std::string out_of_range = "clamp";
  ConfigReader r(spec, "transform dilepton-kinematics");
  r.Number("lepton_pt_min_gev", pt_min, Interval::Closed(0, 1e4))
      .Number("lepton_abs_eta_max", abs_eta_max, Interval::OpenClosed(0, 20))
      .Choice("out_of_range", out_of_range, {"clamp", "refuse"})
      .Required("lepton_pt_min_gev")
      .Required("lepton_abs_eta_max")
      .Ignore("kind");
  EVGEN_RETURN_IF_ERROR(r.Finish());
  return std::unique_ptr<Transform>(
      std::make_unique<DileptonKinematics>(pt_min, abs_eta_max, out_of_range == "clamp"));
}

// kPositiveScaleGev: below it inverse-softplus is a log (the edges at 0
// become tails), above it linear, so the pT and MET tails are not
// exponentiated (a log there widened them by 17-19% in a GAN).
constexpr double kPositiveScaleGev = 10;

Json DileptonKinematicsTransforms() {
  const Json positive = {"pt_l1_above_min_gev", "pt_l0_minus_l1_gev", "met_gev"};
  const Json angles = {"dphi_ll_over_pi", "deta_ll_over_max", "met_angle_over_pi"};
  Json all = positive;
  for (const Json& a : angles) all.push_back(a);
  return {{{"kind", "dilepton-kinematics"},
           {"lepton_pt_min_gev", kTtbarDileptonLeptonPtMinGev},
           {"lepton_abs_eta_max", kTtbarDileptonLeptonAbsEtaMax}},
          {{"kind", "inverse-softplus"}, {"columns", positive}, {"scale", kPositiveScaleGev}},
          {{"kind", "logit"}, {"columns", angles}},
          {{"kind", "standardize"}, {"columns", all}}};
}

}  // namespace evgen
