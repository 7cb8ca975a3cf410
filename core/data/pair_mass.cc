#include "core/data/pair_mass.h"

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/physics/four_vector.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

using Json = nlohmann::json;

using Coordinates = std::array<int, 6>;  // pt1 eta1 phi1 pt2|mass eta2 phi2

struct Kinematics {
  double pt1, eta1, phi1, pt2, eta2, phi2;
};

class PairMass final : public Transform {
 public:
  PairMass(std::array<std::string, 3> first, std::array<std::string, 3> second, double m1, double m2,
           std::string column)
      : first_(std::move(first)), second_(std::move(second)), m1_(m1), m2_(m2), column_(std::move(column)) {}

  std::string kind() const override { return "pair-mass"; }

  absl::Status Fit(const Table& table) override { return Indices(table, /*forward=*/true).status(); }

  absl::StatusOr<Table> Forward(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(Coordinates idx, Indices(table, true));
    std::vector<std::string> columns = table.columns();
    columns[idx[3]] = column_;
    Table out = table;
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      const Kinematics k = Read(table, r, idx);
      EVGEN_RETURN_IF_ERROR(CheckPhysical(k, r));
      out.at(r, idx[3]) = static_cast<float>(Mass(k));
    }
    return Renamed(std::move(out), columns);
  }

  absl::StatusOr<Table> Inverse(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(Coordinates idx, Indices(table, false));
    std::vector<std::string> columns = table.columns();
    columns[idx[3]] = second_[0];
    Table out = table;
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      Kinematics k = Read(table, r, idx);
      out.at(r, idx[3]) = static_cast<float>(SolvePt2(k, table.at(r, idx[3])));
    }
    return Renamed(std::move(out), columns);
  }

  absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table& table) const override {
    EVGEN_ASSIGN_OR_RETURN(Coordinates idx, Indices(table, true));
    std::vector<double> out(static_cast<size_t>(table.num_rows()));
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      const Kinematics k = Read(table, r, idx);
      EVGEN_RETURN_IF_ERROR(CheckPhysical(k, r));
      out[r] = std::log(MassSlope(k));
    }
    return out;
  }

  Json ToJson() const override {
    return {{"kind", kind()},
            {"first", first_},
            {"second", second_},
            {"masses_gev", {m1_, m2_}},
            {"column", column_}};
  }

 private:
  // Indices finds the six coordinates; in model space (forward = false) the
  // second pT's place holds the mass column.
  absl::StatusOr<Coordinates> Indices(const Table& table, bool forward) const {
    const std::array<std::string, 6> names = {first_[0],  first_[1],  first_[2],
                                              forward ? second_[0] : column_, second_[1], second_[2]};
    if (forward && table.HasColumn(column_)) {
      return absl::InvalidArgumentError(
          absl::StrCat("transform pair-mass: column: '", column_, "' is a column of the table already"));
    }
    Coordinates idx{};
    for (size_t i = 0; i < names.size(); ++i) {
      absl::StatusOr<int> c = table.ColumnIndex(names[i]);
      if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat("transform pair-mass: ", c.status().message()));
      idx[i] = *c;
    }
    return idx;
  }

  static Kinematics Read(const Table& t, int64_t r, const Coordinates& idx) {
    return {t.at(r, idx[0]), t.at(r, idx[1]), t.at(r, idx[2]), t.at(r, idx[3]), t.at(r, idx[4]), t.at(r, idx[5])};
  }

  absl::Status CheckPhysical(const Kinematics& k, int64_t row) const {
    for (double v : {k.pt1, k.eta1, k.phi1, k.pt2, k.eta2, k.phi2}) {
      if (!std::isfinite(v)) {
        return absl::InvalidArgumentError(absl::StrCat("transform pair-mass: row ", row, ": a coordinate is ", v));
      }
    }
    if (k.pt1 <= 0 || k.pt2 <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("transform pair-mass: row ", row, ": pT ",
                                                     k.pt1 <= 0 ? k.pt1 : k.pt2, " is not positive"));
    }
    // Below the turning point two pT2 give one mass: no bijection there.
    if (k.pt2 <= TurningPt(k)) {
      return absl::InvalidArgumentError(absl::StrCat("transform pair-mass: row ", row, ": pT ", k.pt2,
                                                     " of the second particle is below ", TurningPt(k),
                                                     ", where the pair mass stops growing with it"));
    }
    return absl::OkStatus();
  }

  double Mass(const Kinematics& k) const {
    return (FourVector::FromPtEtaPhiM(k.pt1, k.eta1, k.phi1, m1_) + FourVector::FromPtEtaPhiM(k.pt2, k.eta2, k.phi2, m2_))
        .Mass();
  }

  // MassSlope is dm/dpT2 at fixed angles (see the header).
  double MassSlope(const Kinematics& k) const {
    const FourVector p1 = FourVector::FromPtEtaPhiM(k.pt1, k.eta1, k.phi1, m1_);
    const double cosh2 = std::cosh(k.eta2) * std::cosh(k.eta2);
    const double e2 = std::sqrt(k.pt2 * k.pt2 * cosh2 + m2_ * m2_);
    const double p1_u2 = p1.px() * std::cos(k.phi2) + p1.py() * std::sin(k.phi2) + p1.pz() * std::sinh(k.eta2);
    return (p1.e() * k.pt2 * cosh2 / e2 - p1_u2) / Mass(k);
  }

  // TurningPt is where m(pT2) has its minimum at fixed angles: with a
  // massive second particle the mass first falls from sqrt(m1^2 + m2^2 +
  // 2 E1 m2) (particle 2 at rest), then grows. dm/dpT2 = 0 where
  // a cosh(eta2) / sqrt(a^2 + m2^2) = c, a = pT2 cosh(eta2), c = p1.u2 / E1.
  // For muons at the Z it is a small fraction of a GeV.
  double TurningPt(const Kinematics& k) const {
    const FourVector p1 = FourVector::FromPtEtaPhiM(k.pt1, k.eta1, k.phi1, m1_);
    const double cosh = std::cosh(k.eta2);
    const double c = (p1.px() * std::cos(k.phi2) + p1.py() * std::sin(k.phi2) + p1.pz() * std::sinh(k.eta2)) / p1.e();
    if (c <= 0 || m2_ == 0) return 0.0;
    return c * m2_ / std::sqrt(std::max(1e-300, cosh * cosh - c * c)) / cosh;
  }

  // SolvePt2 inverts m(pT2) on its growing branch, pT2 above TurningPt, by
  // bisection on a bracket that doubles until it holds the mass; the root
  // there is unique.
  double SolvePt2(Kinematics k, double mass) const {
    const double turning = TurningPt(k);
    k.pt2 = turning;
    if (!(mass > Mass(k))) return turning;  // at or below the threshold, or NaN
    double lo = turning, hi = std::max({1.0, mass, 2 * turning});
    for (k.pt2 = hi; Mass(k) < mass && hi < 1e12; k.pt2 = hi) hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
      k.pt2 = 0.5 * (lo + hi);
      (Mass(k) < mass ? lo : hi) = k.pt2;
    }
    return 0.5 * (lo + hi);
  }

  static absl::StatusOr<Table> Renamed(Table values, const std::vector<std::string>& columns) {
    return Table::Create(columns, std::move(values.mutable_values()), values.weights());
  }

  std::array<std::string, 3> first_, second_;
  double m1_, m2_;
  std::string column_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Transform>> MakePairMass(const Json& spec) {
  std::vector<std::string> first, second;
  std::vector<double> masses = {0, 0};
  std::string column;
  ConfigReader r(spec, "transform pair-mass");
  r.Strings("first", first)
      .Require(first.size() == 3, "first", "must name the first particle's [pt, eta, phi] columns")
      .Strings("second", second)
      .Require(second.size() == 3, "second", "must name the second particle's [pt, eta, phi] columns")
      .Numbers("masses_gev", masses, Interval::Closed(0, 1e4), 2)
      .Require(masses.size() == 2, "masses_gev", "must hold the two particles' masses")
      .String("column", column)
      .Required("first")
      .Required("second")
      .Required("column")
      .Ignore("kind");
  EVGEN_RETURN_IF_ERROR(r.Finish());
  return std::unique_ptr<Transform>(std::make_unique<PairMass>(
      std::array<std::string, 3>{first[0], first[1], first[2]}, std::array<std::string, 3>{second[0], second[1], second[2]},
      masses[0], masses[1], column));
}

}  // namespace evgen
