#include "core/metrics/binned_mean.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/metrics/metric_options.h"
#include "core/metrics/metric_registry.h"
#include "core/random/counter_rng.h"
#include "gtest/gtest.h"

namespace evgen {
namespace {

// HasText takes absl::string_view, what absl::Status::message() returns here.
::testing::AssertionResult HasText(absl::string_view text, absl::string_view part) {
  if (text.find(part) != absl::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// Jets builds an (n_track, mass_gev) table, with event weights when given.
Table Jets(const std::vector<double>& n_track, const std::vector<double>& mass,
           const std::vector<float>& weights = {}) {
  std::vector<float> values;
  for (size_t i = 0; i < n_track.size(); ++i) {
    values.push_back(static_cast<float>(n_track[i]));
    values.push_back(static_cast<float>(mass[i]));
  }
  return *Table::Create({"n_track", "mass_gev"}, values, weights);
}

BinnedMeanConfig Bins(int bins) {
  BinnedMeanConfig config;
  config.bins = bins;
  return config;
}

BinnedMeanConfig Edges(std::vector<double> edges) {
  BinnedMeanConfig config;
  config.edges = std::move(edges);
  return config;
}

std::vector<double> EdgesOf(const BinnedMeanResult& r) {
  std::vector<double> out;
  for (const BinnedMeanBin& b : r.bins) out.push_back(b.lower);
  if (!r.bins.empty()) out.push_back(r.bins.back().upper);
  return out;
}

// The header's example, by hand.
TEST(BinnedMeanTest, HandComputedExample) {
  const Table reference = Jets({1, 1, 2, 2}, {10, 20, 30, 50});
  const Table candidate = Jets({1, 1, 2}, {16, 20, 44});
  absl::StatusOr<BinnedMeanResult> r = BinnedMean(reference, candidate, Bins(2));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(EdgesOf(*r), (std::vector<double>{1, 1.5, 2}));
  const BinnedMeanBin& low = r->bins[0];
  const BinnedMeanBin& high = r->bins[1];
  EXPECT_EQ(low.reference.rows, 2);
  EXPECT_EQ(low.candidate.rows, 2);
  EXPECT_DOUBLE_EQ(low.reference.mean, 15);
  // s^2 = (25 + 25) / 1, error = sqrt(50 / 2).
  EXPECT_DOUBLE_EQ(low.reference.error, 5);
  EXPECT_DOUBLE_EQ(low.candidate.mean, 18);
  EXPECT_DOUBLE_EQ(low.candidate.error, 2);
  EXPECT_DOUBLE_EQ(low.relative_difference, 0.2);
  EXPECT_DOUBLE_EQ(high.reference.mean, 40);
  EXPECT_DOUBLE_EQ(high.reference.error, 10);
  EXPECT_DOUBLE_EQ(high.candidate.mean, 44);
  EXPECT_TRUE(std::isnan(high.candidate.error));  // one row
  EXPECT_DOUBLE_EQ(high.relative_difference, 0.1);
  EXPECT_DOUBLE_EQ(r->max_abs_relative_difference, 0.2);
  EXPECT_EQ(r->worst_bin, 0);
  EXPECT_DOUBLE_EQ(r->error, std::sqrt(4.0 + 36.0) / 15);
  EXPECT_EQ(r->reference_outside, 0);
  EXPECT_EQ(r->candidate_outside, 0);
}

TEST(BinnedMeanTest, ThroughTheRegistry) {
  const Table reference = Jets({1, 1, 2, 2}, {10, 20, 30, 50});
  const Table candidate = Jets({1, 1, 2}, {16, 20, 44});
  absl::StatusOr<MetricOutcome> out = ComputeMetric("binned-mean", {{"bins", "2"}}, reference, candidate, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->name, "binned-mean");
  EXPECT_DOUBLE_EQ(out->value, 0.2);
  EXPECT_NEAR(out->uncertainty, std::sqrt(40.0) / 15, 1e-12);
  EXPECT_TRUE(out->warnings.empty());
  const nlohmann::json& bins = out->details["bins"];
  ASSERT_EQ(bins.size(), 2u);
  EXPECT_EQ(bins[0]["lower"], 1.0);
  EXPECT_EQ(bins[0]["upper"], 1.5);
  EXPECT_EQ(bins[0]["reference_rows"], 2);
  EXPECT_DOUBLE_EQ(bins[0]["reference_mean"].get<double>(), 15);
  EXPECT_DOUBLE_EQ(bins[0]["reference_mean_error"].get<double>(), 5);
  EXPECT_DOUBLE_EQ(bins[1]["candidate_mean"].get<double>(), 44);
  EXPECT_TRUE(bins[1]["candidate_mean_error"].is_null());
  EXPECT_DOUBLE_EQ(bins[1]["relative_difference"].get<double>(), 0.1);
  EXPECT_EQ(out->details["reference_outside"], 0);
  bool listed = false;
  for (const MetricInfo& m : Metrics()) {
    if (m.name != "binned-mean") continue;
    listed = true;
    EXPECT_EQ(m.options, (std::vector<std::string>{"value_column", "by", "bins", "edges"}));
  }
  EXPECT_TRUE(listed);
}

TEST(BinnedMeanTest, DuplicateIntegerEdgesAreMerged) {
  // Ten jets at N_track = 5 hold every quartile: the four requested bins
  // collapse to two, each with reference rows.
  std::vector<double> n_track(10, 5.0), mass(10, 50.0);
  n_track.insert(n_track.end(), {6, 7});
  mass.insert(mass.end(), {60, 90});
  const Table jets = Jets(n_track, mass);
  absl::StatusOr<BinnedMeanResult> r = BinnedMean(jets, jets, Bins(4));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(EdgesOf(*r), (std::vector<double>{5, 5.5, 7}));
  EXPECT_EQ(r->bins[0].reference.rows, 10);
  EXPECT_EQ(r->bins[1].reference.rows, 2);
  EXPECT_DOUBLE_EQ(r->bins[1].reference.mean, 75);
  EXPECT_EQ(r->max_abs_relative_difference, 0);

  // One jet per value: the edges fall between the values, so x = 2 is in
  // [1.5, 2.5), not on an edge.
  absl::StatusOr<BinnedMeanResult> q = BinnedMean(Jets({4, 3, 2, 1}, {4, 3, 2, 1}), Jets({2}, {2}), Bins(4));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(EdgesOf(*q), (std::vector<double>{1, 1.5, 2.5, 3.5, 4}));
  for (const BinnedMeanBin& b : q->bins) EXPECT_EQ(b.reference.rows, 1);
  EXPECT_EQ(q->bins[1].candidate.rows, 1);
  EXPECT_EQ(q->worst_bin, 1);

  // A single value gives one closed bin [7, 7].
  absl::StatusOr<BinnedMeanResult> one = BinnedMean(Jets({7, 7}, {1, 3}), Jets({7}, {4}), Bins(4));
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(EdgesOf(*one), (std::vector<double>{7, 7}));
  EXPECT_DOUBLE_EQ(one->max_abs_relative_difference, 1.0);
}

TEST(BinnedMeanTest, ContinuousQuantilesGiveEqualStatistics) {
  // Mass grows with N_track in the reference; the candidate's does not,
  // like a template binned only in pT and eta.
  std::vector<double> n_track, ref_mass, cand_mass;
  for (int i = 0; i < 4000; ++i) {
    CounterRng rng(7, i);
    n_track.push_back(10 + 40 * rng.Uniform());
    ref_mass.push_back(2 * n_track.back());
    cand_mass.push_back(60);
  }
  const Table reference = Jets(n_track, ref_mass);
  absl::StatusOr<BinnedMeanResult> same = BinnedMean(reference, reference, Bins(4));
  ASSERT_TRUE(same.ok()) << same.status();
  ASSERT_EQ(same->bins.size(), 4u);
  for (const BinnedMeanBin& b : same->bins) EXPECT_EQ(b.reference.rows, 1000);
  EXPECT_EQ(same->max_abs_relative_difference, 0);

  absl::StatusOr<BinnedMeanResult> flat = BinnedMean(reference, Jets(n_track, cand_mass), Bins(4));
  ASSERT_TRUE(flat.ok()) << flat.status();
  // Lowest quartile: N_track in [10, 20), reference mean ~30, candidate 60.
  EXPECT_NEAR(flat->bins[0].relative_difference, 1.0, 0.05);
  EXPECT_NEAR(flat->bins[3].relative_difference, 60.0 / 90 - 1, 0.02);
  EXPECT_EQ(flat->worst_bin, 0);
}

TEST(BinnedMeanTest, ExplicitEdges) {
  // 0 and 5 in [0, 10); 10 and 20 in the closed [10, 20]; 25 and -1 outside.
  const Table reference = Jets({0, 5, 10, 20, 25, -1}, {1, 3, 10, 20, 100, 100});
  const Table candidate = Jets({10, 20, 30}, {12, 24, 100});
  absl::StatusOr<BinnedMeanResult> r = BinnedMean(reference, candidate, Edges({0, 10, 20}));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->bins.size(), 2u);
  EXPECT_EQ(r->bins[0].reference.rows, 2);
  EXPECT_DOUBLE_EQ(r->bins[0].reference.mean, 2);
  EXPECT_EQ(r->bins[0].candidate.rows, 0);
  EXPECT_TRUE(std::isnan(r->bins[0].relative_difference));
  EXPECT_EQ(r->bins[1].reference.rows, 2);
  EXPECT_EQ(r->bins[1].candidate.rows, 2);
  EXPECT_DOUBLE_EQ(r->bins[1].relative_difference, 0.2);
  EXPECT_DOUBLE_EQ(r->max_abs_relative_difference, 0.2);
  EXPECT_EQ(r->reference_outside, 2);
  EXPECT_EQ(r->candidate_outside, 1);

  // Through the registry the empty candidate bin is a warning.
  absl::StatusOr<MetricOutcome> out =
      ComputeMetric("binned-mean", {{"edges", "0,10,20"}}, reference, candidate, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->warnings.size(), 1u);
  EXPECT_TRUE(HasText(out->warnings[0], "no candidate rows"));
  EXPECT_TRUE(out->details["bins"][0]["candidate_mean"].is_null());
  EXPECT_EQ(out->details["candidate_outside"], 1);
}

TEST(BinnedMeanTest, HonoursWeights) {
  // One bin: mean (3 * 10 + 1 * 20) / 4 = 12.5; sum(w d^2) = 75,
  // s^2 = 75 / (4 - 10 / 4) = 50, n_eff = 16 / 10, error = sqrt(50 / 1.6).
  const Table weighted = Jets({1, 1}, {10, 20}, {3, 1});
  absl::StatusOr<BinnedMeanResult> r = BinnedMean(weighted, Jets({1}, {15}), Bins(1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_DOUBLE_EQ(r->bins[0].reference.mean, 12.5);
  EXPECT_DOUBLE_EQ(r->bins[0].reference.error, std::sqrt(50 / 1.6));
  EXPECT_DOUBLE_EQ(r->max_abs_relative_difference, 0.2);

  // Equal weights change nothing.
  absl::StatusOr<BinnedMeanResult> twice = BinnedMean(Jets({1, 1, 2, 2}, {10, 20, 30, 50}, {2, 2, 2, 2}),
                                                      Jets({1, 1, 2}, {16, 20, 44}), Bins(2));
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_DOUBLE_EQ(twice->bins[0].reference.error, 5);
  EXPECT_DOUBLE_EQ(twice->max_abs_relative_difference, 0.2);

  // The quantile edges are weighted: half the weight is at N_track = 1.
  absl::StatusOr<BinnedMeanResult> q =
      BinnedMean(Jets({1, 2, 3, 4}, {1, 2, 3, 4}, {3, 1, 1, 1}), Jets({1}, {1}), Bins(2));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(EdgesOf(*q), (std::vector<double>{1, 1.5, 4}));
}

// ErrorOf runs the metric through the registry and returns its status.
absl::Status ErrorOf(const MetricOptions& options, const Table& reference, const Table& candidate) {
  return ComputeMetric("binned-mean", options, reference, candidate, 1).status();
}

TEST(BinnedMeanTest, BadOptionsNameTheOption) {
  const Table jets = Jets({1, 2, 3}, {10, 20, 30});
  const struct {
    MetricOptions options;
    const char* message;
  } cases[] = {
      {{{"by", "x"}}, "metrics.options.by: column 'x' not in reference; its columns are [n_track, mass_gev]"},
      {{{"value_column", "pt"}}, "metrics.options.value_column: column 'pt' not in reference"},
      {{{"bins", "0"}}, "metrics.options.bins must be an integer in [1, 100]"},
      {{{"bins", "101"}}, "metrics.options.bins must be an integer in [1, 100]"},
      {{{"bins", "two"}}, "metrics.options.bins must be an integer in [1, 100]"},
      {{{"edges", "1,1"}}, "metrics.options.edges: must be finite and strictly increasing"},
      {{{"edges", "3,2"}}, "metrics.options.edges: must be finite and strictly increasing"},
      {{{"edges", "1"}}, "metrics.options.edges: need at least 2 edges"},
      {{{"edges", ""}}, "metrics.options.edges: need at least 2 edges"},
      {{{"edges", "1,x"}}, "metrics.options.edges: 'x' is not a number"},
      {{{"edges", "1,2"}, {"bins", "2"}}, "metrics.options.edges: give either edges or bins"},
  };
  for (const auto& c : cases) {
    const absl::Status s = ErrorOf(c.options, jets, jets);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_TRUE(HasText(s.message(), c.message));
  }
}

TEST(BinnedMeanTest, BadTablesAreErrorsNotCrashes) {
  const Table jets = Jets({1, 2, 3}, {10, 20, 30});
  absl::Status s = ErrorOf({}, jets, Table({"n_track", "pt_gev"}));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(s.message(), "metrics.options.value_column: column 'mass_gev' not in candidate"));

  s = ErrorOf({}, jets, Jets({1, 2}, {10, std::nan("")}));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(s.message(), "metrics.options.value_column: candidate row 1 has a non-finite mass_gev"));

  s = ErrorOf({}, Jets({INFINITY}, {10}), jets);
  EXPECT_TRUE(HasText(s.message(), "metrics.options.by: reference row 0 has a non-finite n_track"));

  s = ErrorOf({}, Jets({}, {}), jets);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(s.message(), "reference table has no rows"));

  // Every candidate row outside the reference's range: nothing to compare.
  s = ErrorOf({}, jets, Jets({50, 60}, {10, 20}));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(s.message(), "2 candidate rows outside [1, 3]"));
}

}  // namespace
}  // namespace evgen
