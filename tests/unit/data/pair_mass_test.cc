#include "core/data/pair_mass.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/physics/four_vector.h"
#include "core/random/counter_rng.h"

namespace evgen {
namespace {

constexpr double kMuon = 0.1057;

Table Muons(int rows) {
  Table t({"pt1", "eta1", "phi1", "Q1", "pt2", "eta2", "phi2"});
  for (int r = 0; r < rows; ++r) {
    CounterRng rng(5, r);
    t.AppendRow({static_cast<float>(20 + 60 * rng.Uniform()), static_cast<float>(4.8 * rng.Uniform() - 2.4),
                 static_cast<float>(6.2 * rng.Uniform() - 3.1), r % 2 ? 1.f : -1.f,
                 static_cast<float>(0.5 + 80 * rng.Uniform()), static_cast<float>(4.8 * rng.Uniform() - 2.4),
                 static_cast<float>(6.2 * rng.Uniform() - 3.1)});
  }
  return t;
}

std::unique_ptr<Transform> Make() {
  auto t = MakePairMass(nlohmann::json::parse(R"({"kind": "pair-mass", "first": ["pt1", "eta1", "phi1"],
      "second": ["pt2", "eta2", "phi2"], "masses_gev": [0.1057, 0.1057], "column": "m_mumu"})"));
  EXPECT_TRUE(t.ok()) << t.status();
  return std::move(*t);
}

// The mass sits where the second pT was, equals the four-vectors' mass, and
// Inverse gives the pT back.
TEST(PairMassTest, ReplacesTheSecondPtByThePairMassAndBack) {
  const Table muons = Muons(500);
  auto t = Make();
  ASSERT_TRUE(t->Fit(muons).ok());
  absl::StatusOr<Table> mapped = t->Forward(muons);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->columns(), (std::vector<std::string>{"pt1", "eta1", "phi1", "Q1", "m_mumu", "eta2", "phi2"}));
  for (int64_t r = 0; r < muons.num_rows(); ++r) {
    const FourVector sum = FourVector::FromPtEtaPhiM(muons.at(r, 0), muons.at(r, 1), muons.at(r, 2), kMuon) +
                           FourVector::FromPtEtaPhiM(muons.at(r, 4), muons.at(r, 5), muons.at(r, 6), kMuon);
    ASSERT_NEAR(mapped->at(r, 4), sum.Mass(), 1e-5 * sum.Mass()) << "row " << r;
  }
  absl::StatusOr<Table> back = t->Inverse(*mapped);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), muons.columns());
  for (int64_t r = 0; r < muons.num_rows(); ++r) {
    ASSERT_NEAR(back->at(r, 4), muons.at(r, 4), 2e-5 * muons.at(r, 4)) << "row " << r;
    ASSERT_EQ(back->at(r, 0), muons.at(r, 0));
  }
}

// ln(dm/dpT2) against a central finite difference of Forward.
TEST(PairMassTest, LogJacobianIsTheMassSlope) {
  const Table muons = Muons(50);
  auto t = Make();
  ASSERT_TRUE(t->Fit(muons).ok());
  absl::StatusOr<std::vector<double>> log_det = t->ForwardLogAbsDet(muons);
  ASSERT_TRUE(log_det.ok()) << log_det.status();
  for (int64_t r = 0; r < muons.num_rows(); ++r) {
    auto mass_at = [&](double pt2) {
      const FourVector sum = FourVector::FromPtEtaPhiM(muons.at(r, 0), muons.at(r, 1), muons.at(r, 2), kMuon) +
                             FourVector::FromPtEtaPhiM(pt2, muons.at(r, 5), muons.at(r, 6), kMuon);
      return sum.Mass();
    };
    const double pt2 = muons.at(r, 4), h = 1e-4 * pt2;
    const double slope = (mass_at(pt2 + h) - mass_at(pt2 - h)) / (2 * h);
    ASSERT_NEAR((*log_det)[r], std::log(slope), 1e-5) << "row " << r;
  }
}

TEST(PairMassTest, BadSpecsAndRowsNameTheProblem) {
  auto no_column = MakePairMass(nlohmann::json::parse(
      R"({"kind": "pair-mass", "first": ["pt1", "eta1", "phi1"], "second": ["pt2", "eta2"]})"));
  ASSERT_FALSE(no_column.ok());
  EXPECT_NE(no_column.status().message().find("second"), std::string::npos) << no_column.status();
  Table muons = Muons(3);
  auto t = Make();
  muons.at(2, 4) = -1;
  absl::Status negative = t->Forward(muons).status();
  EXPECT_EQ(negative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(negative.message().find("row 2"), std::string::npos) << negative;
  absl::StatusOr<Table> without = muons.SelectColumns({"pt1", "eta1", "phi1", "pt2", "eta2"});
  absl::Status missing = t->Forward(*without).status();
  EXPECT_NE(missing.message().find("phi2"), std::string::npos) << missing;
  // A mass below the pair's minimum at its angles gives the turning
  // point's pT (tiny for muons), not NaN.
  Table low = *t->Forward(Muons(1));
  low.at(0, 4) = 0.01f;
  const float pt = t->Inverse(low)->at(0, 4);
  EXPECT_TRUE(pt >= 0 && pt < 1) << pt;
}

}  // namespace
}  // namespace evgen
