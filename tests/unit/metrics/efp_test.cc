#include "core/metrics/efp.h"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "core/physics/constants.h"
#include "core/physics/jet_clouds.h"
#include "core/random/counter_rng.h"
#include "gtest/gtest.h"

namespace evgen {
namespace {

struct Jet {
  std::vector<double> pt, eta, phi;
};

Jet RandomJet(int m, uint64_t seed) {
  Jet j;
  CounterRng rng(seed, 0);
  for (int i = 0; i < m; ++i) {
    j.pt.push_back(0.1 + rng.Uniform());
    j.eta.push_back(0.4 * rng.Normal());
    j.phi.push_back(0.4 * rng.Normal());
  }
  return j;
}

// BruteForceEfp sums the definition over all M^N vertex assignments.
double BruteForceEfp(const Multigraph& g, const Jet& jet) {
  const int m = static_cast<int>(jet.pt.size());
  double total_pt = 0;
  for (double p : jet.pt) total_pt += p;
  std::vector<int> assign(g.num_vertices, 0);
  double sum = 0;
  while (true) {
    double term = 1;
    for (int v : assign) term *= jet.pt[v] / total_pt;
    for (const auto& e : g.edges) {
      const int a = assign[e[0]];
      const int b = assign[e[1]];
      const double deta = jet.eta[a] - jet.eta[b];
      const double dphi = std::remainder(jet.phi[a] - jet.phi[b], 2 * physics::kPi);
      term *= std::sqrt(deta * deta + dphi * dphi);
    }
    sum += term;
    int pos = 0;
    while (pos < g.num_vertices && ++assign[pos] == m) assign[pos++] = 0;
    if (pos == g.num_vertices) break;
  }
  return sum;
}

TEST(EfpGraphsTest, EnumerationReproducesEnergyflowCounts) {
  // energyflow's tables: connected (prime) 1, 2, 5, 12, 33 and all 1, 3, 8,
  // 23, 66 multigraphs with d = 1..5 edges.
  const std::vector<size_t> connected = {1, 1, 2, 5, 12, 33};
  const std::vector<size_t> all = {1, 1, 3, 8, 23, 66};
  for (int d = 0; d <= 5; ++d) {
    EXPECT_EQ(ConnectedMultigraphs(d).size(), connected[d]) << "d = " << d;
    EXPECT_EQ(AllMultigraphs(d).size(), all[d]) << "d = " << d;
    for (const Multigraph& g : ConnectedMultigraphs(d)) {
      EXPECT_TRUE(g.IsConnected());
      EXPECT_EQ(g.num_edges(), d);
    }
  }
}

TEST(EfpGraphsTest, SetsHaveJetNetSizes) {
  EXPECT_EQ(EfpGraphs(EfpSet::kN4D4).size(), 5u);
  for (const Multigraph& g : EfpGraphs(EfpSet::kN4D4)) {
    EXPECT_EQ(g.num_vertices, 4);
    EXPECT_EQ(g.num_edges(), 4);
    EXPECT_TRUE(g.IsConnected());
  }
  EXPECT_EQ(EfpGraphs(EfpSet::kDUpTo4).size(), 36u);  // get_fpd_kpd_jet_features's 36
  EXPECT_EQ(EfpGraphs(EfpSet::kDUpTo4Connected).size(), 20u);
  EXPECT_EQ(EfpColumnNames(EfpSet::kN4D4).back(), "efp_4");
}

TEST(EfpsOfJetTest, TwoParticleJetByHand) {
  // z = (1/4, 3/4), theta = sqrt(0.3^2 + 0.4^2) = 0.5.
  const Jet jet{{1, 3}, {0, 0.3}, {0.1, 0.5}};
  const double z1 = 0.25, z2 = 0.75, theta = 0.5;
  absl::StatusOr<std::vector<double>> efps =
      EfpsOfJet(jet.pt, jet.eta, jet.phi, EfpSet::kDUpTo4Connected);
  ASSERT_TRUE(efps.ok()) << efps.status();
  const std::vector<Multigraph>& graphs = EfpGraphs(EfpSet::kDUpTo4Connected);
  ASSERT_EQ(graphs[0].num_edges(), 1);
  EXPECT_NEAR((*efps)[0], 2 * z1 * z2 * theta, 1e-12);  // sum_ij z_i z_j theta_ij
  ASSERT_EQ(graphs[1].num_vertices, 2);                  // the double edge
  EXPECT_NEAR((*efps)[1], 2 * z1 * z2 * theta * theta, 1e-12);
  ASSERT_EQ(graphs[2].num_vertices, 3);  // the path a - b - c
  EXPECT_NEAR((*efps)[2], (z1 * z1 * z2 + z2 * z2 * z1) * theta * theta, 1e-12);
  for (size_t g = 0; g < graphs.size(); ++g) {
    EXPECT_NEAR((*efps)[g], BruteForceEfp(graphs[g], jet), 1e-12) << "graph " << g;
  }
  // A triangle cannot be drawn on two particles without a zero angle.
  for (size_t g = 0; g < graphs.size(); ++g) {
    const std::vector<std::array<int, 2>> triangle = {{0, 1}, {0, 2}, {1, 2}};
    if (graphs[g].num_vertices == 3 && graphs[g].edges == triangle) {
      EXPECT_EQ((*efps)[g], 0.0);
    }
  }
}

TEST(EfpsOfJetTest, PhiDifferenceIsWrapped) {
  const Jet wrapped{{1, 1}, {0, 0}, {3.1, -3.1}};
  absl::StatusOr<std::vector<double>> efps =
      EfpsOfJet(wrapped.pt, wrapped.eta, wrapped.phi, EfpSet::kDUpTo4Connected);
  ASSERT_TRUE(efps.ok());
  EXPECT_NEAR((*efps)[0], 0.5 * (2 * physics::kPi - 6.2), 1e-12);
}

TEST(EfpsOfJetTest, MatchesBruteForceOnEveryGraph) {
  for (int m : {1, 3, 5}) {
    const Jet jet = RandomJet(m, 100 + m);
    for (EfpSet set : {EfpSet::kN4D4, EfpSet::kDUpTo4, EfpSet::kDUpTo4Connected}) {
      absl::StatusOr<std::vector<double>> efps = EfpsOfJet(jet.pt, jet.eta, jet.phi, set);
      ASSERT_TRUE(efps.ok()) << efps.status();
      const std::vector<Multigraph>& graphs = EfpGraphs(set);
      ASSERT_EQ(efps->size(), graphs.size());
      for (size_t g = 0; g < graphs.size(); ++g) {
        const double expected = BruteForceEfp(graphs[g], jet);
        EXPECT_NEAR((*efps)[g], expected, 1e-12 * std::max(1.0, std::abs(expected)))
            << "M = " << m << ", graph " << g;
      }
    }
  }
  // The d = 0 graph is sum z = 1.
  const Jet jet = RandomJet(4, 7);
  EXPECT_NEAR(EfpsOfJet(jet.pt, jet.eta, jet.phi, EfpSet::kDUpTo4)->front(), 1.0, 1e-12);
}

TEST(EfpsOfJetTest, InfraredAndCollinearSafe) {
  const Jet jet = RandomJet(6, 11);
  absl::StatusOr<std::vector<double>> base = EfpsOfJet(jet.pt, jet.eta, jet.phi, EfpSet::kDUpTo4);
  ASSERT_TRUE(base.ok());
  Jet soft = jet;  // a zero-pT particle far away
  soft.pt.push_back(0);
  soft.eta.push_back(1.3);
  soft.phi.push_back(-2.0);
  Jet split = jet;  // particle 2 split collinearly into halves
  split.pt[2] /= 2;
  split.pt.push_back(split.pt[2]);
  split.eta.push_back(split.eta[2]);
  split.phi.push_back(split.phi[2]);
  for (const Jet* changed : {&soft, &split}) {
    absl::StatusOr<std::vector<double>> efps =
        EfpsOfJet(changed->pt, changed->eta, changed->phi, EfpSet::kDUpTo4);
    ASSERT_TRUE(efps.ok());
    for (size_t g = 0; g < base->size(); ++g) {
      EXPECT_NEAR((*efps)[g], (*base)[g], 1e-12 * std::max(1.0, std::abs((*base)[g])));
    }
  }
}

TEST(EfpsOfJetTest, RejectsBadInput) {
  EXPECT_EQ(EfpsOfJet({}, {}, {}, EfpSet::kN4D4).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EfpsOfJet({1, 2}, {0}, {0, 0}, EfpSet::kN4D4).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EfpsOfJet({-1, 2}, {0, 0}, {0, 0}, EfpSet::kN4D4).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EfpsOfJet({0, 0}, {0, 0}, {0, 0}, EfpSet::kN4D4).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EfpsOfJet({1}, {std::nan("")}, {0}, EfpSet::kN4D4).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EfpTableTest, OneRowPerJetFromTheCloudTable) {
  absl::StatusOr<Table> clouds = GenerateJetClouds(50, 3, {});
  ASSERT_TRUE(clouds.ok()) << clouds.status();
  absl::StatusOr<Table> efps = EnergyFlowPolynomials(*clouds, EfpSet::kDUpTo4);
  ASSERT_TRUE(efps.ok()) << efps.status();
  EXPECT_EQ(efps->num_rows(), 50);
  ASSERT_EQ(efps->num_columns(), 37);
  EXPECT_EQ(efps->columns()[0], "jet");
  for (int64_t r = 0; r < efps->num_rows(); ++r) {
    EXPECT_EQ(efps->at(r, 0), static_cast<float>(r));
    EXPECT_NEAR(efps->at(r, 1), 1.0f, 1e-6f);  // the d = 0 graph
    for (int c = 2; c < efps->num_columns(); ++c) EXPECT_GT(efps->at(r, c), 0.0f);
  }
  // A zero-pT row (log_pt = -inf) changes nothing.
  Table soft(clouds->columns());
  const int log_pt = *clouds->ColumnIndex("log_pt");
  for (int64_t r = 0; r < clouds->num_rows(); ++r) {
    soft.AppendRow(clouds->row(r));
    if (r == 0) {
      soft.AppendRow(clouds->row(r));
      soft.at(1, log_pt) = -std::numeric_limits<float>::infinity();
    }
  }
  absl::StatusOr<Table> soft_efps = EnergyFlowPolynomials(soft, EfpSet::kDUpTo4);
  ASSERT_TRUE(soft_efps.ok()) << soft_efps.status();
  EXPECT_EQ(soft_efps->values(), efps->values());
  Table missing({"jet", "log_pt"});
  EXPECT_EQ(EnergyFlowPolynomials(missing, EfpSet::kN4D4).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EfpTableTest, ThousandJetsTakeSeconds) {
  absl::StatusOr<Table> clouds = GenerateJetClouds(1000, 9, {});
  ASSERT_TRUE(clouds.ok());
  for (EfpSet set : {EfpSet::kN4D4, EfpSet::kDUpTo4}) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<Table> efps = EnergyFlowPolynomials(*clouds, set);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(efps.ok());
    EXPECT_EQ(efps->num_rows(), 1000);
    std::printf("EFPs of 1000 jets (%lld constituents), %zu graphs: %.3f s\n",
                static_cast<long long>(clouds->num_rows()), EfpGraphs(set).size(), seconds);
    EXPECT_LT(seconds, 30.0);
  }
}

TEST(W1EfpTest, ZeroOnItselfAndPositiveForTopVersusQcd) {
  absl::StatusOr<Table> top = GenerateJetClouds(1000, 21, {{"top_fraction", 1.0}});
  absl::StatusOr<Table> top2 = GenerateJetClouds(1000, 22, {{"top_fraction", 1.0}});
  absl::StatusOr<Table> qcd = GenerateJetClouds(1000, 23, {{"top_fraction", 0.0}});
  ASSERT_TRUE(top.ok() && top2.ok() && qcd.ok());
  W1EfpConfig config;
  config.num_eval_samples = 1000;
  absl::StatusOr<Table> top_efps = EnergyFlowPolynomials(*top, config.set);
  ASSERT_TRUE(top_efps.ok());
  absl::StatusOr<W1EfpResult> self = W1EfpFromEfps(*top_efps, *top_efps, config);
  ASSERT_TRUE(self.ok()) << self.status();
  ASSERT_EQ(self->mean.size(), 5u);
  EXPECT_FALSE(self->warnings.empty());  // below 50,000 jets
  // Resampled, the two sides draw different rows, so only the full-sample
  // comparison is exactly 0.
  W1EfpConfig full = config;
  full.resample = false;
  absl::StatusOr<W1EfpResult> identical = W1Efp(*top, *top, full);
  ASSERT_TRUE(identical.ok()) << identical.status();
  for (size_t f = 0; f < 5; ++f) {
    EXPECT_EQ(identical->mean[f], 0.0);
    EXPECT_EQ(identical->std[f], 0.0);
  }
  EXPECT_EQ(identical->mean_over_efps, 0.0);
  absl::StatusOr<W1EfpResult> top_vs_top = W1Efp(*top, *top2, config);
  absl::StatusOr<W1EfpResult> top_vs_qcd = W1Efp(*top, *qcd, config);
  ASSERT_TRUE(top_vs_top.ok() && top_vs_qcd.ok()) << top_vs_qcd.status();
  EXPECT_GT(top_vs_qcd->mean_over_efps, 0.0);
  EXPECT_GT(top_vs_qcd->mean_over_efps, 3 * top_vs_top->mean_over_efps);
  EXPECT_LT(self->mean_over_efps, top_vs_qcd->mean_over_efps / 3);
  for (size_t f = 0; f < 5; ++f) {
    EXPECT_GT(top_vs_qcd->mean[f], top_vs_top->mean[f]) << top_vs_qcd->efps[f];
    EXPECT_GE(top_vs_qcd->std[f], 0.0);
  }
  EXPECT_EQ(W1Efp(*top, *qcd, W1EfpConfig{EfpSet::kN4D4, 0, 5, 1, true}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evgen
