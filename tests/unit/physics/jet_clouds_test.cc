#include "core/physics/jet_clouds.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/physics/four_vector.h"
#include "gtest/gtest.h"

// Checks of the splitting model documented in docs/physics.md ("Jet
// clouds"). The sample is seeded; margins are wide enough for any seed.

namespace evgen {
namespace {

constexpr int64_t kJets = 4000;
constexpr uint64_t kSeed = 2019;

struct Jet {
  float pt, eta, mass;
  int n;
  bool top;
  std::vector<const float*> rows;
};

std::vector<Jet> Jets(const Table& t) {
  std::vector<Jet> jets;
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    const float* v = t.row(r);
    if (v[1] == 0) jets.push_back({v[6], v[7], v[8], static_cast<int>(v[9]), v[10] > 0.5f, {}});
    jets.back().rows.push_back(v);
  }
  return jets;
}

double Median(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  return x[x.size() / 2];
}

class JetCloudsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto t = GenerateJetClouds(kJets, kSeed, {});
    ASSERT_TRUE(t.ok()) << t.status();
    table_ = new Table(std::move(*t));
  }
  static void TearDownTestSuite() {
    delete table_;
    table_ = nullptr;
  }
  static Table* table_;
};
Table* JetCloudsTest::table_ = nullptr;

TEST_F(JetCloudsTest, LayoutAndMultiplicity) {
  EXPECT_EQ(table_->columns(), JetCloudColumns());
  const std::vector<Jet> jets = Jets(*table_);
  ASSERT_EQ(jets.size(), static_cast<size_t>(kJets));
  for (size_t j = 0; j < jets.size(); ++j) {
    const Jet& jet = jets[j];
    ASSERT_GE(jet.n, 7);
    ASSERT_LE(jet.n, 100);
    ASSERT_EQ(static_cast<int>(jet.rows.size()), jet.n);
    for (int k = 0; k < jet.n; ++k) {
      const float* v = jet.rows[k];
      ASSERT_EQ(v[0], static_cast<float>(j));
      ASSERT_EQ(v[1], static_cast<float>(k));
      ASSERT_EQ(v[6], jet.pt);
      ASSERT_EQ(v[9], static_cast<float>(jet.n));
      if (k > 0) {
        ASSERT_LE(v[2], jet.rows[k - 1][2]) << "constituents pT-ordered";
      }
      ASSERT_GE(v[3], v[2] - 1e-5f) << "E >= pT";
      // The cone is drawn about the initiating parton; the jet axis (the sum)
      // sits a little off it.
      ASSERT_LT(std::hypot(v[4], v[5]), 1.0f) << "inside the cone";
      ASSERT_LE(std::abs(v[5]), kPi);
    }
  }
}

TEST_F(JetCloudsTest, ConstituentsSumToTheJet) {
  for (const Jet& jet : Jets(*table_)) {
    FourVector sum;
    for (const float* v : jet.rows) {
      const double pt = std::exp(static_cast<double>(v[2]));
      const double eta = static_cast<double>(v[4]) + jet.eta;
      const double phi = v[5];
      sum += FourVector(std::exp(static_cast<double>(v[3])), pt * std::cos(phi), pt * std::sin(phi),
                        pt * std::sinh(eta));
    }
    ASSERT_NEAR(sum.Pt(), jet.pt, 2e-5 * jet.pt);
    ASSERT_NEAR(sum.Eta(), jet.eta, 1e-4);
    ASSERT_NEAR(sum.Phi(), 0.0, 1e-4);
    // m^2 = E^2 - p^2 cancels: float32 inputs (relative 6e-8 each) give an
    // absolute error on m^2 of order 1e-6 E^2, whatever the mass.
    ASSERT_NEAR(sum.M2(), static_cast<double>(jet.mass) * jet.mass, 1e-5 * sum.e() * sum.e());
    if (jet.mass > 50) {
      ASSERT_NEAR(sum.Mass(), jet.mass, 1e-3 * jet.mass);
    }
  }
}

TEST_F(JetCloudsTest, TopJetsPeakAtTheTopMassAndQcdJetsAreLighter) {
  std::vector<double> top_mass, qcd_mass, top_n, qcd_n;
  for (const Jet& jet : Jets(*table_)) {
    (jet.top ? top_mass : qcd_mass).push_back(jet.mass);
    (jet.top ? top_n : qcd_n).push_back(jet.n);
  }
  // top_fraction 0.5: binomial, 4 sigma.
  EXPECT_NEAR(static_cast<double>(top_mass.size()) / kJets, 0.5, 0.035);
  const double top_median = Median(top_mass), qcd_median = Median(qcd_mass);
  EXPECT_GT(top_median, 165);
  EXPECT_LT(top_median, 178);
  EXPECT_LT(qcd_median, top_median - 40);
  EXPECT_GT(qcd_median, 20);  // QCD jets at 1 TeV do have mass
  // Three showering prongs give more constituents than one.
  EXPECT_GT(Median(top_n), Median(qcd_n));
  // Jet pT near the central 1 TeV.
  std::vector<double> pts;
  for (const Jet& jet : Jets(*table_)) pts.push_back(jet.pt);
  EXPECT_NEAR(Median(pts), 950, 100);
}

TEST_F(JetCloudsTest, TopJetsHaveThreeProngs) {
  // A crude N-subjettiness ratio tau_32, with the three (two) hardest
  // constituents as the axes: lower for three-prong jets.
  auto tau = [](const Jet& jet, int axes) {
    double sum = 0, norm = 0;
    for (const float* v : jet.rows) {
      const double pt = std::exp(static_cast<double>(v[2]));
      double d = 1e9;
      for (int a = 0; a < axes && a < jet.n; ++a) {
        d = std::min(d, std::hypot(v[4] - jet.rows[a][4], DeltaPhi(v[5], jet.rows[a][5])));
      }
      sum += pt * d;
      norm += pt;
    }
    return sum / norm;
  };
  std::vector<double> top_tau32, qcd_tau32;
  for (const Jet& jet : Jets(*table_)) {
    (jet.top ? top_tau32 : qcd_tau32).push_back(tau(jet, 3) / tau(jet, 2));
  }
  EXPECT_LT(Median(top_tau32), Median(qcd_tau32));
}

TEST(JetCloudsOptionsTest, SeedsReproduceAndJetsDoNotDependOnCount) {
  auto a = GenerateJetClouds(50, 5, {});
  auto b = GenerateJetClouds(50, 5, {});
  auto c = GenerateJetClouds(10, 5, {});
  auto other = GenerateJetClouds(50, 6, {});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && other.ok());
  EXPECT_EQ(a->values(), b->values());
  EXPECT_NE(a->values(), other->values());
  const std::vector<float> head(a->values().begin(), a->values().begin() + c->values().size());
  EXPECT_EQ(head, c->values());
}

TEST(JetCloudsOptionsTest, TopFractionAndJetPt) {
  auto qcd = GenerateJetClouds(200, 1, {{"top_fraction", 0}, {"jet_pt_gev", 500}});
  ASSERT_TRUE(qcd.ok()) << qcd.status();
  std::vector<double> pts;
  for (const Jet& jet : Jets(*qcd)) {
    EXPECT_FALSE(jet.top);
    pts.push_back(jet.pt);
  }
  EXPECT_NEAR(Median(pts), 475, 60);
  auto top = GenerateJetClouds(200, 1, {{"top_fraction", 1}});
  ASSERT_TRUE(top.ok()) << top.status();
  for (const Jet& jet : Jets(*top)) EXPECT_TRUE(jet.top);
}

TEST(JetCloudsOptionsTest, RejectsInvalidArguments) {
  auto expect_invalid = [](int64_t n, const SimulatorOptions& options, const std::string& name) {
    auto t = GenerateJetClouds(n, 1, options);
    ASSERT_FALSE(t.ok()) << name;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find(name), std::string::npos) << t.status();
  };
  expect_invalid(0, {}, "n_events");
  expect_invalid((int64_t{1} << 24) + 1, {}, "n_events");
  expect_invalid(10, {{"top_fraction", -0.1}}, "options.top_fraction");
  expect_invalid(10, {{"top_fraction", 1.5}}, "options.top_fraction");
  expect_invalid(10, {{"jet_pt_gev", 50}}, "options.jet_pt_gev");
  expect_invalid(10, {{"sqrt_s_gev", 2000}, {"jet_pt_gev", 1000}}, "options.jet_pt_gev");
  expect_invalid(10, {{"sqrt_s_gev", 100}}, "options.sqrt_s_gev");
}

}  // namespace
}  // namespace evgen
