#include "core/metrics/quantile_error.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/metrics/metric_registry.h"
#include "core/physics/camel.h"
#include "gtest/gtest.h"

// The known answer is the truth sample's: n camel events binned at the true
// quantiles have E[MSE] = (1/N_q)(1 - 1/N_q)/n (quantile_error.h derives it).
// Averages over many seeds are compared with it within 4 standard errors of
// the mean, so the checks hold for any seeds.

namespace evgen {
namespace {

constexpr int kQuantiles = 20;

::testing::AssertionResult HasText(absl::string_view text, absl::string_view part) {
  if (text.find(part) != absl::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

std::vector<double> CamelValues(int64_t n, uint64_t seed) {
  const Table t = *GenerateCamel(n, seed, {});
  std::vector<double> out(n);
  for (int64_t r = 0; r < n; ++r) out[r] = t.at(r, 0);
  return out;
}

std::vector<double> TrueEdges(int quantiles) {
  const CamelParameters camel = *ReadCamelParameters({});
  std::vector<double> edges;
  for (int k = 1; k < quantiles; ++k) edges.push_back(CamelQuantile(camel, static_cast<double>(k) / quantiles));
  return edges;
}

// MeanTruthMse averages the MSE of `samples` truth samples of n events.
double MeanTruthMse(const std::vector<double>& edges, int64_t n, int samples) {
  double sum = 0;
  for (int s = 0; s < samples; ++s) sum += QuantileError(edges, CamelValues(n, 1000 + s))->mse;
  return sum / samples;
}

TEST(QuantileErrorTest, HeaderExample) {
  const auto edges = QuantileEdges({1, 2, 3, 4, 5, 6, 7, 8}, 4);
  ASSERT_TRUE(edges.ok()) << edges.status();
  ASSERT_EQ(edges->size(), 3u);
  EXPECT_DOUBLE_EQ((*edges)[0], 2.75);
  EXPECT_DOUBLE_EQ((*edges)[1], 4.5);
  EXPECT_DOUBLE_EQ((*edges)[2], 6.25);
  const auto r = QuantileError(*edges, {1, 2, 3, 9});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->fractions, (std::vector<double>{0.5, 0.25, 0, 0.25}));
  EXPECT_DOUBLE_EQ(r->mse, 1.0 / 32);
  EXPECT_DOUBLE_EQ(r->equivalent_events, 6);
  EXPECT_DOUBLE_EQ(r->expected_truth_mse, 0.25 * 0.75 / 4);
}

TEST(QuantileErrorTest, ValueOnAnEdgeFallsInTheLowerBin) {
  const auto r = QuantileError({1, 2}, {1, 2, 2.5});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->fractions, (std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3}));
  EXPECT_EQ(r->mse, 0);
  EXPECT_TRUE(std::isinf(r->equivalent_events));
}

TEST(QuantileErrorTest, EquivalentEventsInvertsTheTruthExpectation) {
  for (double n : {100.0, 3000.0, 1e6}) {
    EXPECT_NEAR(EquivalentTruthEvents(kQuantiles, ExpectedTruthMse(kQuantiles, n)), n, 1e-9 * n);
  }
  EXPECT_DOUBLE_EQ(ExpectedTruthMse(20, 100), 0.05 * 0.95 / 100);
}

// Truth samples at the analytic quantiles: the mean MSE over 400 samples of
// n events is E[MSE] within 4 standard errors, for small and large n.
TEST(QuantileErrorTest, TruthSamplesMatchTheAnalyticExpectation) {
  const std::vector<double> edges = TrueEdges(kQuantiles);
  constexpr int kSamples = 400;
  for (int64_t n : {100, 1000, 10000}) {
    const double mean = MeanTruthMse(edges, n, kSamples);
    const double tolerance = 4 * TruthMseStd(kQuantiles, n) / std::sqrt(kSamples);
    EXPECT_NEAR(mean, ExpectedTruthMse(kQuantiles, n), tolerance) << "n = " << n;
  }
}

// The reference's edges stand in for the true quantiles. Their own error is
// the true probability between them, which the analytic CDF gives: its MSE is
// that of a truth sample of the reference's size (ReferenceFloor), here
// 4.75e-8 for 10^6 events, and truth samples measured with those edges still
// match the expectation.
TEST(QuantileErrorTest, ReferenceEdgesAddOnlyTheirFloor) {
  constexpr int64_t kReference = 1'000'000;
  const auto edges = QuantileEdges(CamelValues(kReference, 7), kQuantiles);
  ASSERT_TRUE(edges.ok()) << edges.status();
  const CamelParameters camel = *ReadCamelParameters({});
  double below = 0, sum2 = 0;
  for (int k = 0; k < kQuantiles; ++k) {
    const double upper = k + 1 < kQuantiles ? CamelCdf(camel, (*edges)[k]) : 1.0;
    sum2 += (upper - below - 1.0 / kQuantiles) * (upper - below - 1.0 / kQuantiles);
    below = upper;
  }
  const double edge_mse = sum2 / kQuantiles;
  // One realisation scatters by 32% of its mean; 4x the floor is far out.
  EXPECT_LT(edge_mse, 4 * ReferenceFloor(kQuantiles, kReference));
  const double mean = MeanTruthMse(*edges, 1000, 400);
  EXPECT_NEAR(mean, ExpectedTruthMse(kQuantiles, 1000), 4 * TruthMseStd(kQuantiles, 1000) / 20);
}

TEST(QuantileErrorTest, RefusesBadInput) {
  auto s = QuantileEdges({1, 2, 3}, 1).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(s.message(), "metrics.options.quantiles: must be an integer in [2, 1000]"));
  s = QuantileEdges({1, 2, 3}, 4).status();
  EXPECT_TRUE(HasText(s.message(), "the reference has 3 values, fewer than the 4 quantiles"));
  s = QuantileEdges({1, NAN, 3}, 2).status();
  EXPECT_TRUE(HasText(s.message(), "reference has a non-finite value"));
  s = QuantileError({0}, {1, INFINITY}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(s.message(), "candidate has a non-finite value"));
  EXPECT_TRUE(HasText(QuantileError({0}, {}).status().message(), "candidate has no values"));
  EXPECT_TRUE(HasText(QuantileError({1, 0}, {1}).status().message(), "non-decreasing"));
}

TEST(QuantileErrorTest, RegistryReportsMseAndEquivalentEvents) {
  const Table reference = *GenerateCamel(200000, 1, {});
  const Table candidate = *GenerateCamel(500, 2, {});
  auto out = ComputeMetric("quantile-error", {{"quantiles", "10"}}, reference, candidate, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  const nlohmann::json& c = out->details["columns"]["x0"];
  EXPECT_EQ(c["edges"].size(), 9u);
  EXPECT_EQ(c["rows"], 500);
  EXPECT_DOUBLE_EQ(out->value, c["mse"].get<double>());
  EXPECT_NEAR(c["equivalent_truth_events"].get<double>(), EquivalentTruthEvents(10, out->value), 1e-6);
  EXPECT_DOUBLE_EQ(out->details["reference_floor_mse"].get<double>(), ExpectedTruthMse(10, 200000));
  EXPECT_TRUE(out->warnings.empty());

  // A reference no larger than the candidate is flagged.
  out = ComputeMetric("quantile-error", {}, candidate, candidate, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_FALSE(out->warnings.empty());
  EXPECT_TRUE(HasText(out->warnings[0], "use a larger reference"));

  auto bad = ComputeMetric("quantile-error", {{"quantiles", "1"}}, reference, candidate, 1).status();
  EXPECT_TRUE(HasText(bad.message(), "metrics.options.quantiles"));
  bad = ComputeMetric("quantile-error", {{"columns", "y"}}, reference, candidate, 1).status();
  EXPECT_TRUE(HasText(bad.message(), "metrics.options.columns: 'y' is not in both tables"));
  bad = ComputeMetric("quantile-error", {{"bins", "3"}}, reference, candidate, 1).status();
  EXPECT_TRUE(HasText(bad.message(), "allowed: columns, quantiles"));
}

}  // namespace
}  // namespace evgen
