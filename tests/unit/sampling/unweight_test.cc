// Unweighting: the kept fraction is <w>/w_max, the kept events reproduce
// weighted means, the same seed keeps the same events, and bad weights are
// refused naming the row.
#include "core/sampling/unweight.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/random/counter_rng.h"

namespace evgen {
namespace {

// Weighted: x uniform in [0, 1) with weight w = 2 x, so the weighted mean of
// x is 2/3 and <w>/w_max = 1/2 (w_max -> 2).
Table Weighted(int64_t rows) {
  Table t({"x", "log_target", "log_proposal"});
  std::vector<float> w;
  for (int64_t r = 0; r < rows; ++r) {
    const float x = static_cast<float>(CounterRng(11, r).Uniform());
    // The same weight as target / proposal densities: p = 2x on [0, 1), q = 1.
    t.AppendRow({x, std::log(2 * x), 0.f});
    w.push_back(2 * x);
  }
  EXPECT_TRUE(t.SetWeights(w).ok());
  return t;
}

TEST(UnweightTest, KeepsTheFractionMeanOverMaxAndTheWeightedMean) {
  const Table t = Weighted(200000);
  UnweightSpec spec;
  spec.seed = 3;
  auto r = Unweight(t, spec);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->input_rows, 200000);
  EXPECT_NEAR(r->efficiency, 0.5, 0.005);
  EXPECT_NEAR(r->max_weight, 2.0, 0.001);
  EXPECT_NEAR(r->mean_weight, 1.0, 0.01);
  // Kept rows: binomial around efficiency * n.
  const double n = 200000, e = r->efficiency;
  EXPECT_NEAR(r->events.num_rows(), e * n, 5 * std::sqrt(n * e * (1 - e)));
  EXPECT_FALSE(r->events.has_weights());
  double mean = 0;
  for (int64_t i = 0; i < r->events.num_rows(); ++i) mean += r->events.at(i, 0);
  mean /= static_cast<double>(r->events.num_rows());
  EXPECT_NEAR(mean, 2.0 / 3.0, 0.004);  // the weighted mean, not the flat 1/2

  auto again = Unweight(t, spec);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events.values(), r->events.values());
  spec.seed = 4;
  auto other = Unweight(t, spec);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->events.values(), r->events.values());
}

TEST(UnweightTest, DensityColumnsGiveTheSameWeights) {
  const Table t = Weighted(50000);
  UnweightSpec by_weights;
  by_weights.seed = 5;
  UnweightSpec by_columns = by_weights;
  by_columns.log_target_column = "log_target";
  by_columns.log_proposal_column = "log_proposal";
  Table unweighted = t;
  unweighted.ClearWeights();
  auto a = Unweight(t, by_weights);
  auto b = Unweight(unweighted, by_columns);
  ASSERT_TRUE(a.ok() && b.ok()) << b.status();
  EXPECT_NEAR(a->efficiency, b->efficiency, 1e-6);
  EXPECT_EQ(a->events.num_rows(), b->events.num_rows());
}

// Event weights and density ratios multiply: weights w and ratio w give
// the efficiency of weights w^2, not of w alone.
TEST(UnweightTest, EventWeightsMultiplyTheDensityRatio) {
  const Table t = Weighted(50000);
  Table squared = t;
  std::vector<float> w2;
  for (int64_t r = 0; r < t.num_rows(); ++r) w2.push_back(t.weight(r) * t.weight(r));
  ASSERT_TRUE(squared.SetWeights(w2).ok());
  UnweightSpec by_weights;
  by_weights.seed = 5;
  UnweightSpec by_columns = by_weights;
  by_columns.log_target_column = "log_target";
  by_columns.log_proposal_column = "log_proposal";
  auto both = Unweight(t, by_columns);
  auto reference = Unweight(squared, by_weights);
  ASSERT_TRUE(both.ok() && reference.ok()) << both.status();
  EXPECT_NEAR(both->efficiency, reference->efficiency, 1e-5);
  EXPECT_EQ(both->events.num_rows(), reference->events.num_rows());
}

TEST(UnweightTest, BadWeightsAreRefusedNamingTheRow) {
  Table t = Weighted(10);
  std::vector<float> w(10, 1.f);
  w[6] = -0.5f;
  ASSERT_TRUE(t.SetWeights(w).ok());
  auto negative = Unweight(t, UnweightSpec{});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().message(),
            "events: row 6 has weight -0.5; unweighting needs finite weights >= 0");

  Table flat({"x"});
  flat.AppendRow({1.f});
  auto none = Unweight(flat, UnweightSpec{});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no event weights"), std::string::npos);

  UnweightSpec half;
  half.log_target_column = "log_target";
  EXPECT_EQ(Unweight(Weighted(5), half).status().code(), absl::StatusCode::kInvalidArgument);
  UnweightSpec missing;
  missing.log_target_column = "log_p";
  missing.log_proposal_column = "log_proposal";
  auto m = Unweight(Weighted(5), missing);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("log_p"), std::string::npos) << m.status();

  ASSERT_TRUE(t.SetWeights(std::vector<float>(10, 0.f)).ok());
  EXPECT_EQ(Unweight(t, UnweightSpec{}).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace evgen
