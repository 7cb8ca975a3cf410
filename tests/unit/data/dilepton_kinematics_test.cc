#include "core/data/dilepton_kinematics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "core/physics/constants.h"
#include "core/physics/ttbar.h"
#include "tests/unit/log_abs_determinant.h"

namespace evgen {
namespace {

using physics::kPi;

const std::vector<std::string> kFeatures = {"pt_l0_gev", "pt_l1_gev", "pt_ll_gev", "m_ll_gev",
                                            "met_gev",   "mt_gev",    "dphi_ll",   "dr_ll"};

nlohmann::json Spec(const std::string& out_of_range = "clamp") {
  return {{"kind", "dilepton-kinematics"},
          {"lepton_pt_min_gev", 25},
          {"lepton_abs_eta_max", 2.5},
          {"out_of_range", out_of_range}};
}

std::unique_ptr<Transform> Make(const nlohmann::json& spec) {
  absl::StatusOr<std::unique_ptr<Transform>> t = MakeTransform(spec);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(*t) : nullptr;
}

Table Reference(int64_t n, uint64_t seed = 4) {
  absl::StatusOr<Table> t = GenerateTtbarDilepton(n, seed, {});
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

float At(const Table& t, int64_t r, const std::string& column) {
  return t.at(r, *t.ColumnIndex(column));
}

// Row of the 8 features in kFeatures' order, pT(ll) and m(ll) those of two
// massless leptons (the relations the transform assumes), as a one-row table.
Table Event(double pt0, double pt1, double dphi, double dr, double met, double mt) {
  const double deta = std::sqrt(std::max(0.0, dr * dr - dphi * dphi));
  const double pt_ll = std::sqrt(pt0 * pt0 + pt1 * pt1 + 2 * pt0 * pt1 * std::cos(dphi));
  const double m_ll = std::sqrt(2 * pt0 * pt1 * (std::cosh(deta) - std::cos(dphi)));
  Table t(kFeatures);
  const std::array<float, 8> row = {static_cast<float>(pt0),   static_cast<float>(pt1),
                                    static_cast<float>(pt_ll), static_cast<float>(m_ll),
                                    static_cast<float>(met),   static_cast<float>(mt),
                                    static_cast<float>(dphi),  static_cast<float>(dr)};
  t.AppendRow(row.data());
  return t;
}

// Every stored feature comes back: the momenta, angles and mT to float32
// rounding, m(ll) within what the leptons' masses make; other columns and
// the order of the table's other columns untouched.
TEST(DileptonKinematicsTest, InverseUndoesForwardOnReferenceEvents) {
  const Table events = Reference(2000);
  auto t = Make(Spec("refuse"));
  ASSERT_TRUE(t->Fit(events).ok());
  absl::StatusOr<Table> coords = t->Forward(events);
  ASSERT_TRUE(coords.ok()) << coords.status();
  EXPECT_EQ(coords->num_columns(), events.num_columns() - 2);
  EXPECT_EQ(coords->columns()[0], "pt_l1_above_min_gev");
  EXPECT_TRUE(coords->HasColumn("met_gev"));
  EXPECT_FALSE(coords->HasColumn("m_ll_gev"));
  absl::StatusOr<Table> back = Make(t->ToJson())->Inverse(*coords);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->num_columns(), events.num_columns());
  double worst = 0, worst_mass = 0;
  for (int64_t r = 0; r < events.num_rows(); ++r) {
    for (const std::string& c : events.columns()) {
      const double a = At(events, r, c), b = At(*back, r, c);
      if (c == "m_ll_gev") {
        worst_mass = std::max(worst_mass, std::abs(a - b));
      } else {
        worst = std::max(worst, std::abs(a - b) / std::max(1.0, std::abs(a)));
      }
    }
  }
  EXPECT_LT(worst, 1e-4);
  EXPECT_LT(worst_mass, 0.1);
  std::printf(
      "max |Inverse(Forward(x)) - x| / max(1, |x|): %.3g; max |m_ll difference|: %.3g GeV\n", worst,
      worst_mass);
}

// Any coordinates give an event that keeps the cut, the ordering, the
// ranges and the relations, and Forward gives the coordinates back.
TEST(DileptonKinematicsTest, EverySampleKeepsTheRelations) {
  const std::vector<std::string> names = {
      "pt_l1_above_min_gev", "pt_l0_minus_l1_gev", "dphi_ll_over_pi", "deta_ll_over_max", "met_gev",
      "met_angle_over_pi"};
  Table coords(names);
  const std::vector<std::array<float, 6>> rows = {{3.f, 40.f, 0.9f, 0.25f, 60.f, 0.3f},
                                                  {1e-5f, 0.f, 1e-4f, 0.5f, 1.f, 0.999f},
                                                  {300.f, 500.f, 0.5f, 0.002f, 400.f, 0.5f},
                                                  {-2.f, -1.f, 1.3f, 1.5f, 30.f, -0.2f}};
  for (const auto& row : rows) coords.AppendRow(row.data());
  auto t = Make(Spec());
  absl::StatusOr<Table> events = t->Inverse(coords);
  ASSERT_TRUE(events.ok()) << events.status();
  for (int64_t r = 0; r < events->num_rows(); ++r) {
    EXPECT_GE(At(*events, r, "pt_l1_gev"), 25.f) << r;
    EXPECT_GE(At(*events, r, "pt_l0_gev"), At(*events, r, "pt_l1_gev")) << r;
    EXPECT_GE(At(*events, r, "dphi_ll"), 0.f) << r;
    EXPECT_LE(At(*events, r, "dphi_ll"), static_cast<float>(kPi)) << r;
    EXPECT_GE(At(*events, r, "dr_ll"), At(*events, r, "dphi_ll")) << r;
    EXPECT_GE(At(*events, r, "mt_gev"), At(*events, r, "m_ll_gev") * (1 - 1e-6f)) << r;
  }
  // The relations hold: the refusing Forward takes every event back.
  absl::StatusOr<Table> again = Make(Spec("refuse"))->Forward(*events);
  ASSERT_TRUE(again.ok()) << again.status();
  for (int64_t r = 0; r < 3; ++r) {
    for (const std::string& c : names) {
      const double want = std::max(At(coords, r, c), 1e-6f);
      EXPECT_NEAR(At(*again, r, c), want, 2e-4 * std::max(1.0, want)) << "row " << r << " " << c;
    }
  }
  // Row 3 was clamped into the ranges: onto the cut, equal pT, dphi = pi.
  EXPECT_FLOAT_EQ(At(*events, 3, "pt_l1_gev"), 25.f);
  EXPECT_FLOAT_EQ(At(*events, 3, "pt_l0_gev"), 25.f);
  EXPECT_FLOAT_EQ(At(*events, 3, "dphi_ll"), static_cast<float>(kPi));
  Table refused = coords;
  absl::Status s = Make(Spec("refuse"))->Inverse(refused).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'pt_l1_above_min_gev' row 3"), std::string::npos) << s;
  refused.at(1, 3) = std::numeric_limits<float>::quiet_NaN();
  s = t->Inverse(refused).status();
  EXPECT_NE(s.message().find("'deta_ll_over_max' row 1"), std::string::npos) << s;
}

// ln|det| against central differences of Forward in the six free features
// (pT(ll) and m(ll) recomputed from the leptons at each step).
TEST(DileptonKinematicsTest, LogAbsDetMatchesNumericalJacobian) {
  auto t = Make(Spec());
  const std::vector<std::array<double, 6>> points = {
      {80, 40, 2.5, 2.9, 60, 200}, {45, 30, 0.7, 1.9, 25, 105}, {200, 120, 3.0, 3.1, 150, 460}};
  const std::vector<std::string> coords = {
      "pt_l1_above_min_gev", "pt_l0_minus_l1_gev", "dphi_ll_over_pi", "deta_ll_over_max", "met_gev",
      "met_angle_over_pi"};
  for (const auto& p : points) {
    auto forward = [&](const std::array<double, 6>& x) {
      absl::StatusOr<Table> y = t->Forward(Event(x[0], x[1], x[2], x[3], x[4], x[5]));
      EXPECT_TRUE(y.ok()) << y.status();
      std::array<double, 6> out{};
      for (int k = 0; k < 6 && y.ok(); ++k) out[k] = At(*y, 0, coords[k]);
      return out;
    };
    // The Jacobian in the order (pT(l1), pT(l0), dphi, dR, MET, mT), which
    // matches the coordinates' order, so its determinant is the product of
    // a lower-triangular matrix's diagonal; computed in full regardless.
    const std::array<int, 6> input_of = {1, 0, 2, 3, 4, 5};
    std::array<std::array<double, 6>, 6> m{};
    for (int j = 0; j < 6; ++j) {
      std::array<double, 6> up = p, down = p;
      const double h = 1e-3 * p[input_of[j]];
      up[input_of[j]] += h;
      down[input_of[j]] -= h;
      const std::array<double, 6> a = forward(up), b = forward(down);
      for (int i = 0; i < 6; ++i) m[i][j] = (a[i] - b[i]) / (2 * h);
    }
    const double log_det = testing::LogAbsDeterminant(m);
    absl::StatusOr<std::vector<double>> analytic =
        t->ForwardLogAbsDet(Event(p[0], p[1], p[2], p[3], p[4], p[5]));
    ASSERT_TRUE(analytic.ok()) << analytic.status();
    EXPECT_NEAR((*analytic)[0], log_det, 5e-3) << "at pT(l0) " << p[0];
  }
}

TEST(DileptonKinematicsTest, RowsTheCoordinatesCannotHoldAreRefusedByRow) {
  auto t = Make(Spec());
  auto expect_error = [&](const Table& table, const std::string& what) {
    for (const absl::Status& s :
         {t->Forward(table).status(), t->ForwardLogAbsDet(table).status()}) {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
      EXPECT_NE(s.message().find("row 0"), std::string::npos) << s;
      EXPECT_NE(s.message().find(what), std::string::npos) << s;
    }
  };
  ASSERT_TRUE(t->Forward(Event(80, 40, 2.5, 2.9, 60, 200)).ok());
  expect_error(Event(80, 20, 2.5, 2.9, 60, 200), "below lepton_pt_min_gev");
  expect_error(Event(40, 80, 2.5, 2.9, 60, 200), "ordered by pT");
  expect_error(Event(80, 40, 3.3, 3.4, 60, 200), "dphi_ll");
  expect_error(Event(80, 40, 2.5, 2.0, 60, 200), "dr_ll");
  expect_error(Event(80, 40, 2.5, 2.9, 60, 20), "mt_gev");
  expect_error(Event(80, 40, 2.5, 5.8, 60, 200), "lepton_abs_eta_max");
  Table wrong_pair = Event(80, 40, 2.5, 2.9, 60, 200);
  wrong_pair.at(0, 2) += 3.f;
  expect_error(wrong_pair, "pt_ll_gev");
  Table wrong_mass = Event(80, 40, 2.5, 2.9, 60, 200);
  wrong_mass.at(0, 3) *= 1.1f;
  expect_error(wrong_mass, "m_ll_gev");
  Table nan = Event(80, 40, 2.5, 2.9, 60, 200);
  nan.at(0, 5) = std::numeric_limits<float>::quiet_NaN();
  expect_error(nan, "mt_gev");
  Table clash = Event(80, 40, 2.5, 2.9, 60, 200);
  ASSERT_TRUE(clash.AppendColumn("deta_ll_over_max", std::vector<float>(1, 0.f)).ok());
  absl::Status s = t->Forward(clash).status();
  EXPECT_NE(s.message().find("'deta_ll_over_max' is a column of the table already"),
            std::string::npos)
      << s;
  Table missing = *Event(80, 40, 2.5, 2.9, 60, 200).SelectColumns({"pt_l0_gev", "pt_l1_gev"});
  s = t->Forward(missing).status();
  EXPECT_NE(s.message().find("pt_ll_gev"), std::string::npos) << s;
}

// The presets' chain: fitted on reference events, six finite standardized
// coordinates, and events back with their features.
TEST(DileptonKinematicsTest, PresetChainRoundTrips) {
  const Table events = Reference(20000, 9);
  absl::StatusOr<TransformChain> chain = TransformChain::FromJson(DileptonKinematicsTransforms());
  ASSERT_TRUE(chain.ok()) << chain.status();
  absl::StatusOr<Table> features = events.SelectColumns(kFeatures);
  ASSERT_TRUE(features.ok());
  absl::Status fitted = chain->Fit(*features);
  ASSERT_TRUE(fitted.ok()) << fitted;
  absl::StatusOr<Table> space = chain->Forward(*features);
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_EQ(space->num_columns(), 6);
  for (int64_t r = 0; r < space->num_rows(); ++r) {
    for (int c = 0; c < 6; ++c) ASSERT_TRUE(std::isfinite(space->at(r, c))) << r << " " << c;
  }
  // Every reference row has a density (float32 rounding puts some on the
  // coordinates' edges, which the transform keeps inside the logit's range).
  std::vector<double> log_det;
  absl::StatusOr<Table> mapped = chain->ForwardWithLogAbsDet(*features, &log_det);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  for (double v : log_det) ASSERT_TRUE(std::isfinite(v));
  absl::StatusOr<Table> back = chain->Inverse(*space);
  ASSERT_TRUE(back.ok()) << back.status();
  for (int64_t r = 0; r < events.num_rows(); r += 97) {
    EXPECT_NEAR(At(*back, r, "mt_gev"), At(events, r, "mt_gev"), 1e-3 * At(events, r, "mt_gev"))
        << r;
    EXPECT_NEAR(At(*back, r, "dr_ll"), At(events, r, "dr_ll"), 1e-4) << r;
  }
}

TEST(DileptonKinematicsTest, JsonRoundTripsAndBadSpecsAreRefused) {
  auto t = Make(Spec("refuse"));
  const nlohmann::json j = t->ToJson();
  EXPECT_EQ(j["kind"], "dilepton-kinematics");
  EXPECT_EQ(Make(j)->ToJson(), j);
  auto refused = [](nlohmann::json bad, const std::string& field) {
    absl::StatusOr<std::unique_ptr<Transform>> made = MakeTransform(bad);
    ASSERT_FALSE(made.ok()) << bad;
    EXPECT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(made.status().message().find(field), std::string::npos) << made.status();
  };
  nlohmann::json missing = Spec();
  missing.erase("lepton_pt_min_gev");
  refused(missing, "lepton_pt_min_gev");
  nlohmann::json no_eta = Spec();
  no_eta.erase("lepton_abs_eta_max");
  refused(no_eta, "lepton_abs_eta_max");
  nlohmann::json negative = Spec();
  negative["lepton_pt_min_gev"] = -5;
  refused(negative, "lepton_pt_min_gev");
  refused(Spec("wrap"), "out_of_range");
  nlohmann::json typo = Spec();
  typo["lepton_pt_min"] = 25;
  refused(typo, "lepton_pt_min");
}

}  // namespace
}  // namespace evgen
