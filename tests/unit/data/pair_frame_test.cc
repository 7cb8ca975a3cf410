#include "core/data/pair_frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/data/rest_frames.h"
#include "core/physics/constants.h"
#include "core/physics/drell_yan.h"
#include "core/physics/four_vector.h"
#include "tests/unit/log_abs_determinant.h"

namespace evgen {
namespace {

constexpr double kMuon = 0.1056583755;
const std::vector<std::string> kMuonColumns = {"pt1", "eta1", "phi1", "pt2", "eta2", "phi2"};
const std::vector<std::string> kPairColumns = {"pair_m_gev", "pair_pt_gev",    "pair_y",
                                               "pair_phi",   "pair_cos_theta", "pair_phi_star"};

nlohmann::json Spec(const std::string& out_of_range = "clamp") {
  return {{"kind", "pair-frame"},
          {"first", {"pt1", "eta1", "phi1"}},
          {"second", {"pt2", "eta2", "phi2"}},
          {"masses_gev", {kMuon, kMuon}},
          {"out_of_range", out_of_range}};
}

std::unique_ptr<Transform> Make(const nlohmann::json& spec) {
  absl::StatusOr<std::unique_ptr<Transform>> t = MakeTransform(spec);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(*t) : nullptr;
}

Table DrellYan(int64_t n, uint64_t seed = 3) {
  absl::StatusOr<Table> t = GenerateDrellYan(n, seed, {});
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

double At(const Table& t, int64_t r, const std::string& column) {
  return t.at(r, *t.ColumnIndex(column));
}

std::array<double, 6> Muons(const Table& t, int64_t r) {
  std::array<double, 6> x;
  for (int k = 0; k < 6; ++k) x[k] = At(t, r, kMuonColumns[k]);
  return x;
}

// PairCoordinates is the header's definition, written out independently of
// the transform: the pair's m, pT, y, phi and muon 1's angles in the pair's
// helicity axes.
std::array<double, 6> PairCoordinates(const std::array<double, 6>& x) {
  const FourVector a = FourVector::FromPtEtaPhiM(x[0], x[1], x[2], kMuon);
  const FourVector b = FourVector::FromPtEtaPhiM(x[3], x[4], x[5], kMuon);
  const FourVector pair = a + b;
  const frames::Axes axes = frames::HelicityAxes(frames::Momentum(pair), frames::kBeam);
  const frames::Vec3 q = frames::Momentum(a.BoostToRestFrameOf(pair));
  const double n = frames::Norm(q);
  return {pair.Mass(),
          pair.Pt(),
          pair.Rapidity(),
          pair.Phi(),
          frames::Dot(q, axes.z) / n,
          std::atan2(frames::Dot(q, axes.y), frames::Dot(q, axes.x))};
}

// NumericalLogAbsDet differentiates PairCoordinates by central differences
// (angle differences wrapped) and takes its log-determinant.
double NumericalLogAbsDet(const std::array<double, 6>& x) {
  std::array<std::array<double, 6>, 6> j{};  // j[coordinate][input]
  for (int i = 0; i < 6; ++i) {
    const double h = 1e-5 * std::max(1.0, std::abs(x[i]));
    std::array<double, 6> up = x, down = x;
    up[i] += h;
    down[i] -= h;
    const std::array<double, 6> zu = PairCoordinates(up), zd = PairCoordinates(down);
    for (int k = 0; k < 6; ++k) {
      const double d = (k == 3 || k == 5) ? DeltaPhi(zu[k], zd[k]) : zu[k] - zd[k];
      j[k][i] = d / (2 * h);
    }
  }
  return testing::LogAbsDeterminant(j);
}

// Forward writes the header's coordinates at the first muon column's place
// (other columns untouched, in order); Inverse, also of the transform
// rebuilt from its JSON, gives the muons back.
TEST(PairFrameTest, InverseUndoesForwardOnDrellYanEvents) {
  const Table events = DrellYan(2000);
  auto t = Make(Spec("refuse"));
  ASSERT_TRUE(t->Fit(events).ok());
  absl::StatusOr<Table> pairs = t->Forward(events);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_EQ(pairs->num_columns(), events.num_columns());
  const int first = *events.ColumnIndex("pt1");
  for (int k = 0; k < 6; ++k) EXPECT_EQ(pairs->columns()[first + k], kPairColumns[k]);
  EXPECT_TRUE(pairs->HasColumn("Q1"));
  EXPECT_TRUE(pairs->HasColumn("M"));
  for (int64_t r = 0; r < events.num_rows(); ++r) {
    const std::array<double, 6> z = PairCoordinates(Muons(events, r));
    for (int k = 0; k < 6; ++k) {
      ASSERT_NEAR(At(*pairs, r, kPairColumns[k]), z[k], 1e-5 * std::max(1.0, std::abs(z[k])))
          << kPairColumns[k] << " row " << r;
    }
    ASSERT_NEAR(At(*pairs, r, "pair_m_gev"), At(events, r, "M"), 2e-4 * At(events, r, "M"))
        << "row " << r;
  }
  absl::StatusOr<Table> back = Make(t->ToJson())->Inverse(*pairs);
  ASSERT_TRUE(back.ok()) << back.status();
  // The six come back together at the first pair column's place.
  ASSERT_EQ(back->num_columns(), events.num_columns());
  for (int k = 0; k < 6; ++k) EXPECT_EQ(back->columns()[first + k], kMuonColumns[k]);
  double worst = 0;
  for (int64_t r = 0; r < events.num_rows(); ++r) {
    for (const std::string& name : events.columns()) {
      const double was = At(events, r, name), now = At(*back, r, name);
      const bool muon =
          std::find(kMuonColumns.begin(), kMuonColumns.end(), name) != kMuonColumns.end();
      if (!muon) {
        ASSERT_EQ(now, was) << name << " row " << r;
        continue;
      }
      const bool pt = name[0] == 'p' && name[1] == 't';
      const double diff = std::abs(now - was) / (pt ? was : 1.0);
      worst = std::max(worst, diff);
      ASSERT_LT(diff, 2e-4) << name << " row " << r << ": " << was << " came back as " << now;
    }
  }
  std::printf("largest round-trip difference (relative for pT): %.3g\n", worst);
}

// Any finite coordinates give two muons on their shells with that mass and
// pair momentum; out-of-range ones are clamped, or refused with "refuse".
TEST(PairFrameTest, EverySampleIsAPairOfThatMass) {
  Table z(kPairColumns);
  const std::vector<std::array<float, 6>> rows = {{91.2f, 5.f, 0.3f, 1.f, 0.2f, -2.f},
                                                  {60.f, 300.f, -2.2f, -3.f, -0.99f, 3.1f},
                                                  {120.f, 0.f, 0.f, 0.f, 1.f, 0.f},
                                                  {91.f, 40.f, 4.f, 7.f, 0.5f, 9.f}};
  for (const auto& row : rows) z.AppendRow(row.data());
  absl::StatusOr<Table> muons = Make(Spec())->Inverse(z);
  ASSERT_TRUE(muons.ok()) << muons.status();
  for (int64_t r = 0; r < z.num_rows(); ++r) {
    const FourVector a = FourVector::FromPtEtaPhiM(At(*muons, r, "pt1"), At(*muons, r, "eta1"),
                                                   At(*muons, r, "phi1"), kMuon);
    const FourVector b = FourVector::FromPtEtaPhiM(At(*muons, r, "pt2"), At(*muons, r, "eta2"),
                                                   At(*muons, r, "phi2"), kMuon);
    const FourVector pair = a + b;
    EXPECT_NEAR(pair.Mass(), z.at(r, 0), 1e-4 * z.at(r, 0)) << "row " << r;
    EXPECT_NEAR(pair.Pt(), z.at(r, 1), 1e-4 * z.at(r, 0)) << "row " << r;
    if (z.at(r, 1) > 0) {
      EXPECT_NEAR(pair.Rapidity(), z.at(r, 2), 1e-4) << "row " << r;
    }
  }

  Table bad(kPairColumns);
  const std::array<float, 6> row = {91.f, -3.f, 0.f, 0.f, 1.5f, 0.f};
  bad.AppendRow(row.data());
  absl::StatusOr<Table> clamped = Make(Spec())->Inverse(bad);
  ASSERT_TRUE(clamped.ok()) << clamped.status();
  // pT -3 becomes the smallest pT and cos theta 1.5 becomes 1: muon 1 flies
  // along the pair's (transverse, at y = 0 and phi = 0) direction.
  for (const std::string& c : kMuonColumns) EXPECT_TRUE(std::isfinite(At(*clamped, 0, c))) << c;
  const FourVector a = FourVector::FromPtEtaPhiM(At(*clamped, 0, "pt1"), At(*clamped, 0, "eta1"),
                                                 At(*clamped, 0, "phi1"), kMuon);
  const FourVector b = FourVector::FromPtEtaPhiM(At(*clamped, 0, "pt2"), At(*clamped, 0, "eta2"),
                                                 At(*clamped, 0, "phi2"), kMuon);
  EXPECT_NEAR((a + b).Mass(), 91, 1e-3);
  EXPECT_NEAR(At(*clamped, 0, "eta1"), 0, 1e-4);
  EXPECT_NEAR(At(*clamped, 0, "phi1"), 0, 1e-4);
  absl::StatusOr<Table> refused = Make(Spec("refuse"))->Inverse(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("column 'pair_pt_gev' row 0"), std::string::npos)
      << refused.status();

  bad.at(0, 1) = std::nanf("");
  absl::StatusOr<Table> nan = Make(Spec())->Inverse(bad);
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.status().message().find("'pair_pt_gev' row 0"), std::string::npos) << nan.status();
}

// ForwardLogAbsDet (the two-body phase-space factor of the header) against
// a numerical Jacobian of the coordinates.
TEST(PairFrameTest, LogAbsDetMatchesNumericalJacobian) {
  const Table events = DrellYan(300, 7);
  absl::StatusOr<std::vector<double>> log_det = Make(Spec())->ForwardLogAbsDet(events);
  ASSERT_TRUE(log_det.ok()) << log_det.status();
  double worst = 0;
  for (int64_t r = 0; r < events.num_rows(); ++r) {
    const double numerical = NumericalLogAbsDet(Muons(events, r));
    worst = std::max(worst, std::abs((*log_det)[r] - numerical));
    ASSERT_NEAR((*log_det)[r], numerical, 1e-4) << "row " << r;
  }
  std::printf("max |analytic - numerical ln|det|| over 300 events: %.3g\n", worst);
}

TEST(PairFrameTest, BadRowsAndSpecsNameTheProblem) {
  Table t({"pt1", "eta1", "phi1", "pt2", "eta2", "phi2"});
  t.AppendRow({40.f, 0.1f, 0.f, 45.f, -0.3f, 3.f});
  t.AppendRow({40.f, 0.1f, 0.f, -45.f, -0.3f, 3.f});
  absl::StatusOr<Table> negative = Make(Spec())->Forward(t);
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("row 1: column 'pt2' is -45"), std::string::npos)
      << negative.status();

  Table no_column({"pt1", "eta1", "phi1", "pt2", "eta2"});
  no_column.AppendRow({40.f, 0.1f, 0.f, 45.f, -0.3f});
  absl::StatusOr<Table> missing = Make(Spec())->Forward(no_column);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("phi2"), std::string::npos) << missing.status();

  nlohmann::json short_first = Spec();
  short_first["first"] = {"pt1", "eta1"};
  absl::StatusOr<std::unique_ptr<Transform>> s = MakeTransform(short_first);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("first"), std::string::npos) << s.status();
  nlohmann::json bad_choice = Spec("wrap");
  absl::StatusOr<std::unique_ptr<Transform>> c = MakeTransform(bad_choice);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("out_of_range"), std::string::npos) << c.status();
}

}  // namespace
}  // namespace evgen
