#include "core/data/ttbar_decay_chain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/physics/constants.h"
#include "core/physics/four_vector.h"
#include "core/physics/ttbar.h"
#include "tests/unit/log_abs_determinant.h"

namespace evgen {
namespace {

using decay_chain::Chain;
using decay_chain::Momenta;

constexpr double kMb = physics::kBottomMassGev;
constexpr std::array<double, 6> kMasses = {0, 0, kMb, 0, 0, kMb};

nlohmann::json Spec(const std::string& out_of_range = "clamp") {
  return {{"kind", "ttbar-decay-chain"},
          {"particles", {"p1", "p2", "p3", "p4", "p5", "p6"}},
          {"masses_gev", kMasses},
          {"prefix", ""},
          {"out_of_range", out_of_range}};
}

std::unique_ptr<Transform> Make(const nlohmann::json& spec) {
  absl::StatusOr<std::unique_ptr<Transform>> t = MakeTransform(spec);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(*t) : nullptr;
}

Table Reference(int64_t n, uint64_t seed = 4) {
  absl::StatusOr<Table> t = GenerateTtbarAllhad(n, seed, {});
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

float At(const Table& t, int64_t r, const std::string& column) { return t.at(r, *t.ColumnIndex(column)); }

FourVector Particle(const Table& t, int64_t r, int i) {
  const std::string p = "p" + std::to_string(i);
  return {At(t, r, p + "_e_gev"), At(t, r, p + "_px_gev"), At(t, r, p + "_py_gev"), At(t, r, p + "_pz_gev")};
}

// Balanced maps the 16 independent momenta (p1..p5's 3-momenta, p6's pz)
// to six on-shell particles, p6's px and py from the balance: the domain
// momentum-balance leaves a density on.
Momenta Balanced(const std::array<double, 16>& x) {
  Momenta p;
  double sx = 0, sy = 0;
  for (int i = 0; i < 5; ++i) {
    p[i] = FourVector::FromMomentumAndMass(x[3 * i], x[3 * i + 1], x[3 * i + 2], kMasses[i]);
    sx += x[3 * i];
    sy += x[3 * i + 1];
  }
  p[5] = FourVector::FromMomentumAndMass(-sx, -sy, x[15], kMasses[5]);
  return p;
}

std::array<double, 16> Independent(const Table& t, int64_t r) {
  std::array<double, 16> x{};
  for (int i = 0; i < 5; ++i) {
    const FourVector p = Particle(t, r, i + 1);
    x[3 * i] = p.px();
    x[3 * i + 1] = p.py();
    x[3 * i + 2] = p.pz();
  }
  x[15] = Particle(t, r, 6).pz();
  return x;
}

bool IsAngle(int k) { return k == 2 || k == 8 || k == 10 || k == 13 || k == 15; }

// NumericalLogAbsDet differentiates FromMomenta composed with the balance
// by central differences; angle differences are wrapped.
double NumericalLogAbsDet(const std::array<double, 16>& x,
                           decay_chain::Longitudinal longitudinal = decay_chain::Longitudinal::kEta) {
  std::vector<std::array<double, 16>> jacobian(16);  // jacobian[coordinate][momentum]
  for (int j = 0; j < 16; ++j) {
    const double h = 1e-4 * std::max(1.0, std::abs(x[j]));
    std::array<double, 16> up = x, down = x;
    up[j] += h;
    down[j] -= h;
    const Chain yu = decay_chain::FromMomenta(Balanced(up), longitudinal);
    const Chain yd = decay_chain::FromMomenta(Balanced(down), longitudinal);
    for (int k = 0; k < 16; ++k) {
      const double d = IsAngle(k) ? DeltaPhi(yu[k], yd[k]) : yu[k] - yd[k];
      jacobian[k][j] = d / (2 * h);
    }
  }
  return testing::LogAbsDeterminant(jacobian);
}

// Forward replaces the 24 momenta by the 16 chain coordinates at their
// place; Inverse (also of the transform rebuilt from its JSON) gives the
// momenta back, on shell and balanced, to 1e-5 of each particle's energy.
TEST(TtbarDecayChainTest, InverseUndoesForwardOnReferenceEvents) {
  const Table ttbar = Reference(1000);
  auto t = Make(Spec());
  ASSERT_TRUE(t->Fit(ttbar).ok());
  absl::StatusOr<Table> chain = t->Forward(ttbar);
  ASSERT_TRUE(chain.ok()) << chain.status();
  EXPECT_EQ(chain->num_columns(), ttbar.num_columns() - 8);
  const std::vector<std::string> names = decay_chain::CoordinateNames("");
  for (size_t k = 0; k < names.size(); ++k) EXPECT_EQ(chain->columns()[k], names[k]);
  EXPECT_EQ(chain->columns()[16], "m_t_gev");
  auto restored = Make(t->ToJson());
  absl::StatusOr<Table> back = restored->Inverse(*chain);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->columns(), ttbar.columns());
  double worst = 0;
  for (int64_t r = 0; r < ttbar.num_rows(); ++r) {
    double sum_x = 0, sum_y = 0;
    for (int i = 1; i <= 6; ++i) {
      const FourVector a = Particle(ttbar, r, i), b = Particle(*back, r, i);
      worst = std::max({worst, std::abs(a.e() - b.e()) / a.e(), std::abs(a.px() - b.px()) / a.e(),
                        std::abs(a.py() - b.py()) / a.e(), std::abs(a.pz() - b.pz()) / a.e()});
      sum_x += b.px();
      sum_y += b.py();
      EXPECT_NEAR(b.Mass(), kMasses[i - 1], 1e-3 * b.e() + 1e-3) << "row " << r << " particle " << i;
    }
    ASSERT_NEAR(sum_x, 0, 1e-4 * At(ttbar, r, "mtt_gev")) << "row " << r;
    ASSERT_NEAR(sum_y, 0, 1e-4 * At(ttbar, r, "mtt_gev")) << "row " << r;
  }
  EXPECT_LT(worst, 1e-5);
  RecordProperty("max_inversion_error_relative_to_energy", std::to_string(worst));
  std::printf("max |Inverse(Forward(x)) - x| / E over 1000 events: %.3g\n", worst);
}

// Forward(Inverse(y)) = y in the 16 coordinates (angles wrapped).
TEST(TtbarDecayChainTest, ForwardUndoesInverse) {
  const Table ttbar = Reference(1000, 7);
  auto t = Make(Spec("refuse"));
  absl::StatusOr<Table> chain = t->Forward(ttbar);
  ASSERT_TRUE(chain.ok()) << chain.status();
  absl::StatusOr<Table> back = t->Inverse(*chain);
  ASSERT_TRUE(back.ok()) << back.status();
  absl::StatusOr<Table> again = t->Forward(*back);
  ASSERT_TRUE(again.ok()) << again.status();
  double worst = 0;
  for (int64_t r = 0; r < chain->num_rows(); ++r) {
    for (int k = 0; k < 16; ++k) {
      const double a = chain->at(r, k), b = again->at(r, k);
      const double d = IsAngle(k) ? std::abs(DeltaPhi(a, b)) : std::abs(a - b) / std::max(1.0, std::abs(a));
      worst = std::max(worst, d);
      ASSERT_LT(d, 1e-4) << "row " << r << " column " << chain->columns()[k];
    }
  }
  std::printf("max |Forward(Inverse(y)) - y| (relative above 1, angles absolute): %.3g\n", worst);
}

// The mass coordinates are the invariant masses of the quark groups on
// their mass shells, and the simulator's truth masses up to the float32
// rounding of the table's energies (a few MeV at TeV energies).
TEST(TtbarDecayChainTest, MassColumnsAreTheInvariantMasses) {
  const Table ttbar = Reference(500);
  absl::StatusOr<Table> chain = Make(Spec())->Forward(ttbar);
  ASSERT_TRUE(chain.ok()) << chain.status();
  for (int64_t r = 0; r < ttbar.num_rows(); ++r) {
    std::array<FourVector, 6> p;
    for (int i = 0; i < 6; ++i) {
      const FourVector q = Particle(ttbar, r, i + 1);
      p[i] = FourVector::FromMomentumAndMass(q.px(), q.py(), q.pz(), kMasses[i]);
    }
    const auto [p1, p2, p3, p4, p5, p6] = p;
    auto near = [&](const char* column, double expected, double tolerance) {
      EXPECT_NEAR(At(*chain, r, column), expected, tolerance * expected) << "row " << r << " " << column;
    };
    near("w1_m_gev", InvariantMass({p1, p2}), 1e-5);
    near("t1_m_gev", InvariantMass({p1, p2, p3}), 1e-5);
    near("w2_m_gev", InvariantMass({p4, p5}), 1e-5);
    near("t2_m_gev", InvariantMass({p4, p5, p6}), 1e-5);
    near("w1_m_gev", At(ttbar, r, "m_wminus_gev"), 1e-4);
    near("t1_m_gev", At(ttbar, r, "m_tbar_gev"), 1e-4);
    near("w2_m_gev", At(ttbar, r, "m_wplus_gev"), 1e-4);
    near("t2_m_gev", At(ttbar, r, "m_t_gev"), 1e-4);
    EXPECT_NEAR(At(*chain, r, "t1_pt_gev"), (p1 + p2 + p3).Pt(), 1e-3 * (p1 + p2 + p3).Pt()) << "row " << r;
  }
}

// ForwardLogAbsDet agrees with a numerical Jacobian of Forward composed
// with the balance, over the 16 independent momenta.
TEST(TtbarDecayChainTest, LogAbsDetMatchesNumericalJacobian) {
  const Table ttbar = Reference(200, 11);
  absl::StatusOr<std::vector<double>> log_det = Make(Spec())->ForwardLogAbsDet(ttbar);
  ASSERT_TRUE(log_det.ok()) << log_det.status();
  double worst = 0;
  for (int64_t r = 0; r < ttbar.num_rows(); ++r) {
    const double numerical = NumericalLogAbsDet(Independent(ttbar, r));
    worst = std::max(worst, std::abs((*log_det)[r] - numerical));
    EXPECT_NEAR((*log_det)[r], numerical, 1e-4) << "row " << r;
  }
  std::printf("max |analytic - numerical ln|det|| over 200 events: %.3g\n", worst);
}

// With "longitudinal": "rapidity" the tops' rapidities replace their
// pseudorapidities (t1_y, t2_y); the momenta come back as before, and the
// log-Jacobian gains ln(|P| / E) per top, against a numerical Jacobian.
TEST(TtbarDecayChainTest, RapidityCoordinates) {
  const Table ttbar = Reference(300, 13);
  nlohmann::json spec = Spec("refuse");
  spec["longitudinal"] = "rapidity";
  auto t = Make(spec);
  absl::StatusOr<Table> chain = t->Forward(ttbar);
  ASSERT_TRUE(chain.ok()) << chain.status();
  EXPECT_EQ(chain->columns()[1], "t1_y");
  EXPECT_EQ(chain->columns()[3], "t2_y");
  absl::StatusOr<Table> back = Make(t->ToJson())->Inverse(*chain);
  ASSERT_TRUE(back.ok()) << back.status();
  for (int64_t r = 0; r < ttbar.num_rows(); ++r) {
    const FourVector t1 = Particle(ttbar, r, 1) + Particle(ttbar, r, 2) + Particle(ttbar, r, 3);
    const FourVector t2 = Particle(ttbar, r, 4) + Particle(ttbar, r, 5) + Particle(ttbar, r, 6);
    ASSERT_NEAR(At(*chain, r, "t1_y"), t1.Rapidity(), 1e-4) << "row " << r;
    ASSERT_NEAR(At(*chain, r, "t2_y"), t2.Rapidity(), 1e-4) << "row " << r;
    for (int i = 1; i <= 6; ++i) {
      const FourVector a = Particle(ttbar, r, i), b = Particle(*back, r, i);
      ASSERT_NEAR(b.pz(), a.pz(), 1e-5 * a.e() + 1e-4) << "row " << r << " particle " << i;
      ASSERT_NEAR(b.px(), a.px(), 1e-5 * a.e() + 1e-4) << "row " << r << " particle " << i;
    }
  }
  absl::StatusOr<std::vector<double>> log_det = t->ForwardLogAbsDet(ttbar);
  ASSERT_TRUE(log_det.ok()) << log_det.status();
  absl::StatusOr<std::vector<double>> log_det_eta = Make(Spec("refuse"))->ForwardLogAbsDet(ttbar);
  ASSERT_TRUE(log_det_eta.ok()) << log_det_eta.status();
  for (int64_t r = 0; r < ttbar.num_rows(); ++r) {
    const double numerical = NumericalLogAbsDet(Independent(ttbar, r), decay_chain::Longitudinal::kRapidity);
    ASSERT_NEAR((*log_det)[r], numerical, 1e-4) << "row " << r;
    ASSERT_GT(std::abs((*log_det)[r] - (*log_det_eta)[r]), 1e-3) << "row " << r << ": the factor is missing";
  }
}

TEST(TtbarDecayChainTest, BadRowsNameTheRow) {
  const Table ttbar = Reference(10);
  auto t = Make(Spec());
  auto expect_error = [&](const Table& table, const std::string& row, const std::string& what) {
    for (const absl::Status& s : {t->Forward(table).status(), t->ForwardLogAbsDet(table).status()}) {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
      EXPECT_NE(s.message().find(row), std::string::npos) << s;
      EXPECT_NE(s.message().find(what), std::string::npos) << s;
    }
  };
  Table unbalanced = ttbar;
  unbalanced.at(7, *unbalanced.ColumnIndex("p2_py_gev")) += 5.f;
  unbalanced.at(7, *unbalanced.ColumnIndex("p2_e_gev")) = static_cast<float>(Particle(unbalanced, 7, 2).P());
  expect_error(unbalanced, "row 7", "py");
  Table off_shell = ttbar;
  off_shell.at(4, *off_shell.ColumnIndex("p3_e_gev")) += 3.f;
  expect_error(off_shell, "row 4", "'p3'");
  Table nan = ttbar;
  nan.at(2, *nan.ColumnIndex("p5_pz_gev")) = std::numeric_limits<float>::quiet_NaN();
  expect_error(nan, "row 2", "p5_pz_gev");
  Table clash = ttbar;
  ASSERT_TRUE(clash.AppendColumn("t1_eta", std::vector<float>(10, 0.f)).ok());
  absl::Status s = t->Forward(clash).status();
  EXPECT_NE(s.message().find("'t1_eta' is a column of the table already"), std::string::npos) << s;
}

// Out-of-range model-space values: "refuse" names column and row, "clamp"
// keeps the event on the boundary; non-finite values are always refused.
TEST(TtbarDecayChainTest, OutOfRangeSamplesAreClampedOrRefused) {
  const Table ttbar = Reference(5);
  auto clamp = Make(Spec("clamp"));
  auto refuse = Make(Spec("refuse"));
  Table chain = *clamp->Forward(ttbar);
  chain.at(3, *chain.ColumnIndex("w2_d_cos_theta")) = 1.5f;
  chain.at(1, *chain.ColumnIndex("t1_m_gev")) = 50.f;
  absl::Status s = refuse->Inverse(chain).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'t1_m_gev' row 1"), std::string::npos) << s;
  absl::StatusOr<Table> physical = clamp->Inverse(chain);
  ASSERT_TRUE(physical.ok()) << physical.status();
  EXPECT_EQ(physical->num_rows(), 5);
  absl::StatusOr<Table> again = clamp->Forward(*physical);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NEAR(At(*again, 3, "w2_d_cos_theta"), 1.0, 1e-5);
  EXPECT_NEAR(At(*again, 1, "t1_m_gev"), At(chain, 1, "w1_m_gev") + kMb, 1e-3);
  chain.at(2, *chain.ColumnIndex("w1_phi")) = std::numeric_limits<float>::infinity();
  s = clamp->Inverse(chain).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'w1_phi' row 2"), std::string::npos) << s;
}

// On the frames' degenerate sets (a top pair at rest transversely, decay
// directions along the reference axes, a top at its W b threshold) the
// inverse still gives finite, balanced, on-shell events, and the forward
// map gives the poles back.
TEST(TtbarDecayChainTest, DegenerateFramesGiveFiniteEvents) {
  Chain y = {0.0, 0.3, 1.0, -0.5, 172.5, 172.5, 80.4, 1.0, 0.0, -1.0, 0.0, 80.4, -1.0, 2.0, 1.0, -2.0};
  for (const double pt : {0.0, 1e-9, 50.0}) {
    y[0] = pt;
    const Momenta p = decay_chain::ToMomenta(y, kMasses);
    FourVector sum;
    for (int i = 0; i < 6; ++i) {
      sum += p[i];
      ASSERT_TRUE(std::isfinite(p[i].e()) && std::isfinite(p[i].px()) && std::isfinite(p[i].pz())) << pt;
      EXPECT_NEAR(p[i].M2(), kMasses[i] * kMasses[i], 1e-6 * p[i].e() * p[i].e()) << pt;
    }
    EXPECT_EQ(sum.px(), 0.0);
    EXPECT_NEAR(sum.py(), 0.0, 1e-12);
    if (pt == 50.0) {
      const Chain back = decay_chain::FromMomenta(p);
      for (int k : {7, 9, 12, 14}) EXPECT_NEAR(back[k], y[k], 1e-9) << k;
    }
  }
  y[0] = 50.0;
  y[4] = y[6] + kMb;  // top 1 at threshold: its W and b at rest in its frame
  const Momenta p = decay_chain::ToMomenta(y, kMasses);
  EXPECT_NEAR((p[0] + p[1] + p[2]).Mass(), y[4], 1e-9 * y[4]);
  EXPECT_TRUE(std::isfinite(p[2].e()));
}

TEST(TtbarDecayChainTest, JsonRoundTripsAndBadSpecsAreRefused) {
  nlohmann::json spec = Spec();
  spec["prefix"] = "c_";
  auto t = Make(spec);
  const nlohmann::json j = t->ToJson();
  EXPECT_EQ(j["kind"], "ttbar-decay-chain");
  EXPECT_EQ(j["prefix"], "c_");
  EXPECT_EQ(Make(j)->ToJson(), j);
  absl::StatusOr<Table> chain = t->Forward(Reference(3));
  ASSERT_TRUE(chain.ok()) << chain.status();
  EXPECT_TRUE(chain->HasColumn("c_w2_d_phi"));
  auto refused = [](nlohmann::json bad, const std::string& field) {
    absl::StatusOr<std::unique_ptr<Transform>> made = MakeTransform(bad);
    ASSERT_FALSE(made.ok()) << bad;
    EXPECT_EQ(made.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(made.status().message().find(field), std::string::npos) << made.status();
  };
  nlohmann::json typo = Spec();
  typo["prefx"] = "";
  refused(typo, "prefx");
  nlohmann::json five = Spec();
  five["particles"] = {"p1", "p2", "p3", "p4", "p5"};
  refused(five, "particles");
  nlohmann::json masses = Spec();
  masses["masses_gev"] = {0, 0, kMb};
  refused(masses, "masses_gev");
  nlohmann::json mode = Spec();
  mode["out_of_range"] = "drop";
  refused(mode, "out_of_range");
  nlohmann::json missing = Spec();
  missing.erase("masses_gev");
  refused(missing, "masses_gev");
}

}  // namespace
}  // namespace evgen
