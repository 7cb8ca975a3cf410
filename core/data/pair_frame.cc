#include "core/data/pair_frame.h"

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/data/replace_columns.h"
#include "core/data/rest_frames.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

using Json = nlohmann::json;
using frames::Vec3;

constexpr int kCoordinates = 6;
// Positions of the pair coordinates Inverse keeps inside their ranges.
constexpr int kMass = 0, kPt = 1, kCosTheta = 4;
constexpr double kMinimumPairPtGev = 1e-6;

class PairFrame final : public Transform {
 public:
  PairFrame(std::vector<std::string> inputs, std::array<double, 2> masses, std::string prefix,
            bool clamp)
      : inputs_(std::move(inputs)), masses_(masses), prefix_(std::move(prefix)), clamp_(clamp) {
    for (const char* n : {"m_gev", "pt_gev", "y", "phi", "cos_theta", "phi_star"})
      names_.push_back(prefix_ + n);
  }

  std::string kind() const override { return "pair-frame"; }

  absl::Status Fit(const Table& table) override { return Forward(table).status(); }

  absl::StatusOr<Table> Forward(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx,
                           FindColumnsToReplace(table, inputs_, names_, kind()));
    return ReplaceColumns(table, idx, names_, [&](int64_t r, double* out) -> absl::Status {
      EVGEN_ASSIGN_OR_RETURN(auto p, ReadParticles(table, r, idx));
      ToPair(p.first, p.second, out);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<Table> Inverse(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx,
                           FindColumnsToReplace(table, names_, inputs_, kind()));
    return ReplaceColumns(table, idx, inputs_, [&](int64_t r, double* out) -> absl::Status {
      std::array<double, kCoordinates> z;
      EVGEN_RETURN_IF_ERROR(ReadPair(table, r, idx, &z));
      const std::pair<FourVector, FourVector> p = FromPair(z);
      for (const FourVector& q : {p.first, p.second}) {
        *out++ = q.Pt();
        *out++ = q.Eta();
        *out++ = q.Phi();
      }
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(std::vector<int> idx, FindColumnsToReplace(table, inputs_, {}, kind()));
    std::vector<double> out(static_cast<size_t>(table.num_rows()));
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      EVGEN_ASSIGN_OR_RETURN(auto p, ReadParticles(table, r, idx));
      const FourVector& a = p.first;
      const FourVector& b = p.second;
      const FourVector pair = a + b;
      const double q = frames::TwoBodyMomentum(pair.Mass(), masses_[0], masses_[1]);
      out[r] = std::log(a.Pt()) + std::log(a.P()) + std::log(b.Pt()) + std::log(b.P()) -
               (std::log(a.e()) + std::log(b.e()) + std::log(q) + std::log(pair.Pt()));
    }
    return out;
  }

  Json ToJson() const override {
    return {{"kind", kind()},
            {"first", {inputs_[0], inputs_[1], inputs_[2]}},
            {"second", {inputs_[3], inputs_[4], inputs_[5]}},
            {"masses_gev", masses_},
            {"prefix", prefix_},
            {"out_of_range", clamp_ ? "clamp" : "refuse"}};
  }

 private:
  absl::Status Bad(int64_t row, const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat("transform pair-frame: row ", row, ": ", what));
  }

  // ReadParticles reads row r's two particles after the header's checks.
  absl::StatusOr<std::pair<FourVector, FourVector>> ReadParticles(
      const Table& t, int64_t r, const std::vector<int>& idx) const {
    std::array<double, kCoordinates> v;
    for (int k = 0; k < kCoordinates; ++k) {
      v[k] = t.at(r, idx[k]);
      if (!std::isfinite(v[k])) return Bad(r, absl::StrCat("column '", inputs_[k], "' is ", v[k]));
    }
    for (int k : {0, 3}) {
      if (!(v[k] > 0))
        return Bad(r, absl::StrCat("column '", inputs_[k], "' is ", v[k], ", not a positive pT"));
    }
    const FourVector a = FourVector::FromPtEtaPhiM(v[0], v[1], v[2], masses_[0]);
    const FourVector b = FourVector::FromPtEtaPhiM(v[3], v[4], v[5], masses_[1]);
    const FourVector pair = a + b;
    if (!(frames::TwoBodyMomentum(pair.Mass(), masses_[0], masses_[1]) > 0)) {
      return Bad(r,
                 absl::StrCat("the pair's mass ", pair.Mass(), " GeV is at or below its threshold ",
                              masses_[0] + masses_[1], " GeV: no density there"));
    }
    if (!(pair.Pt() > 0)) return Bad(r, "the pair has pT = 0: no density there");
    return std::make_pair(a, b);
  }

  // ToPair writes the pair coordinates of particles a, b to out[0..5].
  static void ToPair(const FourVector& a, const FourVector& b, double* out) {
    const FourVector pair = a + b;
    const frames::Axes axes = frames::HelicityAxes(frames::Momentum(pair), frames::kBeam);
    out[0] = pair.Mass();
    out[1] = pair.Pt();
    out[2] = pair.Rapidity();
    out[3] = pair.Phi();
    std::tie(out[4], out[5]) = frames::Angles(frames::Momentum(a.BoostToRestFrameOf(pair)), axes);
  }

  // FromPair is ToPair's inverse: both particles on their mass shells.
  std::pair<FourVector, FourVector> FromPair(const std::array<double, kCoordinates>& z) const {
    const double m = z[0], pt = z[1], y = z[2], phi = z[3];
    const double mt = std::hypot(m, pt);
    const FourVector pair(mt * std::cosh(y), pt * std::cos(phi), pt * std::sin(phi),
                          mt * std::sinh(y));
    const frames::Axes axes = frames::HelicityAxes(frames::Momentum(pair), frames::kBeam);
    const Vec3 q =
        frames::Direction(z[4], z[5], axes) * frames::TwoBodyMomentum(m, masses_[0], masses_[1]);
    return {frames::OnShell(q, masses_[0]).BoostToLabFrom(pair),
            frames::OnShell(q * -1, masses_[1]).BoostToLabFrom(pair)};
  }

  // ReadPair reads row r's coordinates and keeps them in their ranges.
  absl::Status ReadPair(const Table& t, int64_t r, const std::vector<int>& idx,
                        std::array<double, kCoordinates>* z) const {
    for (int k = 0; k < kCoordinates; ++k) {
      (*z)[k] = t.at(r, idx[k]);
      if (!std::isfinite((*z)[k])) {
        return absl::InvalidArgumentError(
            absl::StrCat("transform pair-frame: column '", names_[k], "' row ", r, ": ", (*z)[k],
                         " is not finite; no event stands behind it"));
      }
    }
    const double inf = std::numeric_limits<double>::infinity();
    // A massless pair has no rest frame to boost through.
    const double threshold = std::max(masses_[0] + masses_[1], 1e-6);
    EVGEN_RETURN_IF_ERROR(
        KeepInRange((*z)[kMass], threshold, inf, clamp_, kind(), names_[kMass], r));
    // A pair with pT 0 along the beam would send a muon along it, where eta
    // is infinite: the smallest pT is a micro-GeV.
    EVGEN_RETURN_IF_ERROR(
        KeepInRange((*z)[kPt], kMinimumPairPtGev, inf, clamp_, kind(), names_[kPt], r));
    return KeepInRange((*z)[kCosTheta], -1, 1, clamp_, kind(), names_[kCosTheta], r);
  }

  std::vector<std::string> inputs_;  // pt, eta, phi of the first, then of the second
  std::array<double, 2> masses_;
  std::string prefix_;
  bool clamp_;
  std::vector<std::string> names_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Transform>> MakePairFrame(const Json& spec) {
  std::vector<std::string> first, second;
  std::vector<double> masses = {0, 0};
  std::string prefix = "pair_", out_of_range = "clamp";
  ConfigReader r(spec, "transform pair-frame");
  r.Strings("first", first)
      .Require(first.size() == 3, "first", "must name the first particle's [pt, eta, phi] columns")
      .Strings("second", second)
      .Require(second.size() == 3, "second",
               "must name the second particle's [pt, eta, phi] columns")
      .Numbers("masses_gev", masses, Interval::Closed(0, 1e4), 2)
      .Require(masses.size() == 2, "masses_gev", "must hold the two particles' masses")
      .String("prefix", prefix, /*may_be_empty=*/true)
      .Choice("out_of_range", out_of_range, {"clamp", "refuse"})
      .Required("first")
      .Required("second")
      .Ignore("kind");
  EVGEN_RETURN_IF_ERROR(r.Finish());
  std::vector<std::string> inputs = first;
  inputs.insert(inputs.end(), second.begin(), second.end());
  return std::unique_ptr<Transform>(
      std::make_unique<PairFrame>(std::move(inputs), std::array<double, 2>{masses[0], masses[1]},
                                  std::move(prefix), out_of_range == "clamp"));
}

}  // namespace evgen
