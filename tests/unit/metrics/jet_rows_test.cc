// Jet-level metrics of jet-cloud tables: one row per jet, and the jet as its
// constituents make it, which generated jets (without jet columns) have too.
#include <gtest/gtest.h>

#include <cmath>

#include "core/metrics/efp.h"
#include "core/metrics/metric_adapters.h"
#include "core/metrics/metric_registry.h"
#include "core/metrics/one_dim.h"
#include "core/physics/jet_clouds.h"

namespace evgen {
namespace {

// Clouds: two jets; `with_jet_columns` adds jet_mass_gev as a reference
// table has it (deliberately not the constituents' mass).
Table Clouds(bool with_jet_columns, float shift) {
  std::vector<std::string> columns = {"jet", "constituent", "log_pt", "eta_rel", "phi_rel", "n_constituents"};
  if (with_jet_columns) columns.push_back("jet_mass_gev");
  Table t(columns);
  const float rows[5][3] = {{6.f, 0.1f, 0.f}, {5.f, -0.2f, 0.3f}, {4.f, 0.f, -0.4f}, {6.5f, 0.f, 0.f}, {5.5f, 0.3f, 0.1f}};
  for (int r = 0; r < 5; ++r) {
    const int jet = r < 3 ? 0 : 1, constituent = r < 3 ? r : r - 3, n = r < 3 ? 3 : 2;
    std::vector<float> row = {static_cast<float>(jet), static_cast<float>(constituent), rows[r][0],
                              rows[r][1] + shift, rows[r][2], static_cast<float>(n)};
    if (with_jet_columns) row.push_back(999.f);
    t.AppendRow(row.data());
  }
  return t;
}

TEST(JetRowsTest, OneRowPerJetWithTheConstituentsMassAndPt) {
  absl::StatusOr<Table> jets = JetRows(Clouds(true, 0), "reference");
  ASSERT_TRUE(jets.ok()) << jets.status();
  ASSERT_EQ(jets->num_rows(), 2);
  double e = 0, px = 0, py = 0, pz = 0;
  const float rows[2][3] = {{6.5f, 0.f, 0.f}, {5.5f, 0.3f, 0.1f}};
  for (const auto& r : rows) {
    const double pt = std::exp(static_cast<double>(r[0]));
    e += pt * std::cosh(r[1]);
    px += pt * std::cos(r[2]);
    py += pt * std::sin(r[2]);
    pz += pt * std::sinh(r[1]);
  }
  EXPECT_NEAR(jets->at(1, *jets->ColumnIndex("cloud_mass_gev")), std::sqrt(e * e - px * px - py * py - pz * pz), 1e-2);
  EXPECT_NEAR(jets->at(1, *jets->ColumnIndex("cloud_pt_gev")), std::hypot(px, py), 1e-2);
  EXPECT_EQ(jets->at(1, *jets->ColumnIndex("jet_mass_gev")), 999.f);
}

TEST(JetRowsTest, W1OfTheConstituentMassComparesGeneratedWithReferenceJets) {
  // A shift of every eta_rel is a longitudinal boost of massless
  // constituents: the mass must not change.
  const MetricOptions options = {{"columns", "cloud_mass_gev"}, {"jet_level", "1"}};
  absl::StatusOr<MetricOutcome> same = ComputeMetric("wasserstein-1", options, Clouds(true, 0), Clouds(false, 0.7f), 1);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_NEAR(same->value, 0.0, 0.05);
  absl::StatusOr<MetricOutcome> missing = ComputeMetric("wasserstein-1", {{"columns", "cloud_mass_gev"}}, Clouds(true, 0),
                                                        Clouds(false, 0), 1);
  EXPECT_FALSE(missing.ok()) << "without jet_level there is no cloud_mass_gev";
  Table flat({"x"});
  flat.AppendRow({1.f});
  absl::StatusOr<MetricOutcome> not_clouds = ComputeMetric("classifier-auc", {{"jet_level", "1"}}, flat, flat, 1);
  ASSERT_FALSE(not_clouds.ok());
  EXPECT_NE(not_clouds.status().message().find("no 'constituent' column"), std::string::npos) << not_clouds.status();
}

TEST(JetRowsTest, PtRelIsEachConstituentsShareOfItsJetsPt) {
  const MetricOptions options = {{"columns", "pt_rel"}, {"pt_rel", "1"}};
  // Every pT doubled doubles the jets' pT too: pt_rel must not change...
  Table scaled = Clouds(false, 0);
  for (int64_t r = 0; r < scaled.num_rows(); ++r) scaled.at(r, 2) += std::log(2.f);
  absl::StatusOr<MetricOutcome> same = ComputeMetric("wasserstein-1", options, Clouds(true, 0), scaled, 1);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_NEAR(same->value, 0.0, 1e-6);
  // ...but sees one constituent's share change.
  Table skewed = Clouds(false, 0);
  skewed.at(0, 2) += 1.f;
  absl::StatusOr<MetricOutcome> differ = ComputeMetric("wasserstein-1", options, Clouds(true, 0), skewed, 1);
  ASSERT_TRUE(differ.ok()) << differ.status();
  EXPECT_GT(differ->value, 0.01);
  absl::StatusOr<MetricOutcome> both = ComputeMetric(
      "wasserstein-1", {{"columns", "pt_rel"}, {"pt_rel", "1"}, {"jet_level", "1"}}, Clouds(true, 0), Clouds(true, 0), 1);
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("give one of them"), std::string::npos) << both.status();
  Table flat({"constituent", "x"});
  flat.AppendRow({0.f, 1.f});
  absl::StatusOr<MetricOutcome> no_pt = ComputeMetric("wasserstein-1", {{"pt_rel", "1"}}, flat, flat, 1);
  ASSERT_FALSE(no_pt.ok());
  EXPECT_NE(no_pt.status().message().find("metrics.options.pt_rel: the reference table needs log_pt"),
            std::string::npos)
      << no_pt.status();
}

// features=efp classifies jets on their substructure alone: top-like jets
// against other top-like jets are indistinguishable, against QCD-like jets
// not; the EFPs use pT fractions, so every pT doubled changes nothing.
TEST(JetRowsTest, ClassifierOnEfpsSeesSubstructureNotScale) {
  const Table top = *GenerateJetClouds(1500, 1, {{"top_fraction", 1}});
  const Table top2 = *GenerateJetClouds(1500, 2, {{"top_fraction", 1}});
  const Table qcd = *GenerateJetClouds(1500, 3, {{"top_fraction", 0}});
  const MetricOptions efp = {{"features", "efp"}};
  absl::StatusOr<MetricOutcome> same = ComputeMetric("classifier-auc", efp, top, top2, 1);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_LT(std::abs(same->value - 0.5), 4 * same->uncertainty + 0.01) << same->value;
  EXPECT_EQ(same->details["columns"].size(), 36u);
  absl::StatusOr<MetricOutcome> other = ComputeMetric("classifier-auc", efp, top, qcd, 1);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_GT(other->value, 0.9);
  Table doubled = top;
  const int log_pt = *doubled.ColumnIndex("log_pt");
  for (int64_t r = 0; r < doubled.num_rows(); ++r) doubled.at(r, log_pt) += std::log(2.f);
  absl::StatusOr<MetricOutcome> scaled = ComputeMetric("classifier-auc", efp, top, doubled, 1);
  ASSERT_TRUE(scaled.ok()) << scaled.status();
  EXPECT_LT(std::abs(scaled->value - 0.5), 4 * scaled->uncertainty + 0.01) << "the same jets, every pT doubled";
  absl::StatusOr<MetricOutcome> both =
      ComputeMetric("classifier-auc", {{"features", "efp"}, {"jet_level", "1"}}, top, top2, 1);
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("jet_level does not apply"), std::string::npos) << both.status();
  // columns picks EFPs: the one-edge EFP and the triangle alone.
  const MetricOptions two = {{"features", "efp"}, {"columns", "efp_1,efp_7"}};
  absl::StatusOr<MetricOutcome> same_two = ComputeMetric("classifier-auc", two, top, top2, 1);
  ASSERT_TRUE(same_two.ok()) << same_two.status();
  EXPECT_EQ(same_two->details["columns"], (nlohmann::json{"efp_1", "efp_7"}));
  EXPECT_LT(std::abs(same_two->value - 0.5), 4 * same_two->uncertainty + 0.01) << same_two->value;
  absl::StatusOr<MetricOutcome> other_two = ComputeMetric("classifier-auc", two, top, qcd, 1);
  ASSERT_TRUE(other_two.ok()) << other_two.status();
  EXPECT_GT(other_two->value, 0.8);
  EXPECT_LT(other_two->value, other->value + 0.01) << "two of the 36 EFPs tell no more than all";
  absl::StatusOr<MetricOutcome> unknown =
      ComputeMetric("classifier-auc", {{"features", "efp"}, {"columns", "efp_36"}}, top, top2, 1);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("efp_36"), std::string::npos) << unknown.status();
  absl::StatusOr<MetricOutcome> bad = ComputeMetric("classifier-auc", {{"features", "efps"}}, top, top2, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'efps' is not one of columns, efp"), std::string::npos) << bad.status();
}

// ks with features=efp is the per-EFP breakdown of the classifier above:
// each EFP's KS of the jets' EFPs as EnergyFlowPolynomials computes them,
// each named by its graph; top-like against top-like jets agree, against
// QCD-like jets the two-prong-sensitive EFPs differ.
TEST(JetRowsTest, KsOnEfpsComparesEachPolynomialAndNamesItsGraph) {
  const Table top = *GenerateJetClouds(1500, 1, {{"top_fraction", 1}});
  const Table top2 = *GenerateJetClouds(1500, 2, {{"top_fraction", 1}});
  const Table qcd = *GenerateJetClouds(1500, 3, {{"top_fraction", 0}});
  absl::StatusOr<MetricOutcome> same = ComputeMetric("ks", {{"features", "efp"}}, top, top2, 1);
  ASSERT_TRUE(same.ok()) << same.status();
  ASSERT_EQ(same->details["columns"].size(), 36u);
  EXPECT_EQ(same->details["graphs"]["efp_0"], "one vertex");
  EXPECT_EQ(same->details["graphs"]["efp_1"], "0-1");
  EXPECT_EQ(same->details["graphs"]["efp_35"].get<std::string>().size(), 4 * 4 - 1u) << "four edges";
  EXPECT_EQ(same->details["connected"]["efp_1"], true);
  EXPECT_EQ(same->details["connected"]["efp_4"], false) << "efp_1 squared";
  int connected = 0;
  for (const auto& [column, is] : same->details["connected"].items()) connected += is.get<bool>();
  EXPECT_EQ(connected, 1 + 20) << "one vertex and the connected graphs with 1 to 4 edges (1 + 2 + 5 + 12)";
  EXPECT_LT(same->value, 0.08);
  const Table efp_top = *EnergyFlowPolynomials(top, EfpSet::kDUpTo4);
  const Table efp_qcd = *EnergyFlowPolynomials(qcd, EfpSet::kDUpTo4);
  std::vector<double> a, b;
  for (int64_t r = 0; r < efp_top.num_rows(); ++r) a.push_back(efp_top.at(r, *efp_top.ColumnIndex("efp_1")));
  for (int64_t r = 0; r < efp_qcd.num_rows(); ++r) b.push_back(efp_qcd.at(r, *efp_qcd.ColumnIndex("efp_1")));
  absl::StatusOr<MetricOutcome> other =
      ComputeMetric("ks", {{"features", "efp"}, {"columns", "efp_1,efp_2"}}, top, qcd, 1);
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_EQ(other->details["columns"].size(), 2u);
  EXPECT_DOUBLE_EQ(other->details["columns"]["efp_1"]["statistic"].get<double>(), KolmogorovSmirnov(b, a)->statistic);
  EXPECT_GT(other->value, 0.3);
  double mean = 0;
  for (double v : b) mean += v / b.size();
  EXPECT_NEAR(other->details["columns"]["efp_1"]["candidate_mean"].get<double>(), mean, 1e-9 * mean);
  absl::StatusOr<MetricOutcome> jets = ComputeMetric("ks", {{"features", "efp"}, {"jet_level", "1"}}, top, qcd, 1);
  ASSERT_FALSE(jets.ok());
  EXPECT_NE(jets.status().message().find("'jet_level' is not an option of ks; allowed: columns, features"),
            std::string::npos)
      << jets.status();
}

}  // namespace
}  // namespace evgen
