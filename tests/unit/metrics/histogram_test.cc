#include "core/metrics/histogram.h"

#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "core/random/counter_rng.h"
#include "gtest/gtest.h"

namespace evgen {
namespace {

std::vector<double> Normal(int64_t n, uint64_t seed, double mu) {
  std::vector<double> x(n);
  for (int64_t i = 0; i < n; ++i) x[i] = mu + CounterRng(seed, i).Normal();
  return x;
}

TEST(HistogramTest, FixedBinsCountsAndOverflow) {
  auto edges = FixedEdges(4, 0, 4);
  ASSERT_TRUE(edges.ok());
  auto h = FillHistogram({-1, 0, 0.5, 1, 3.9, 4, 5}, *edges, {1, 2, 3, 1, 1, 2, 4});
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->sum_w, (std::vector<double>{5, 1, 0, 3}));  // 4 joins the last bin
  EXPECT_EQ(h->sum_w2, (std::vector<double>{13, 1, 0, 5}));
  EXPECT_DOUBLE_EQ(h->Error(0), std::sqrt(13.0));
  EXPECT_EQ(h->underflow, 1);
  EXPECT_EQ(h->overflow, 4);
  EXPECT_EQ(h->entries, 7);
}

TEST(HistogramTest, EqualStatisticsEdgesAreQuantiles) {
  std::vector<double> x;
  for (int i = 0; i <= 100; ++i) x.push_back(i);
  auto edges = EqualStatisticsEdges(x, 4);
  ASSERT_TRUE(edges.ok());
  EXPECT_EQ(*edges, (std::vector<double>{0, 25, 50, 75, 100}));
  auto h = FillHistogram(Normal(40000, 1, 0), *EqualStatisticsEdges(Normal(40000, 2, 0), 10));
  ASSERT_TRUE(h.ok());
  for (double c : h->sum_w) EXPECT_NEAR(c, 4000, 250);
  // Weighted: half of the weight sits on the last value.
  auto w = EqualStatisticsEdges({1, 2, 3, 4}, 2, {1, 1, 1, 3});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, (std::vector<double>{1, 3, 4}));
}

TEST(HistogramTest, BadInputsAreInvalidArgument) {
  EXPECT_EQ(FixedEdges(0, 0, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FixedEdges(3, 1, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EqualStatisticsEdges({}, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EqualStatisticsEdges({2, 2}, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FillHistogram({NAN}, {0, 1}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FillHistogram({0.5}, {0, 1}, {-1}).status().code(), absl::StatusCode::kInvalidArgument);
  Table t({"a"});
  t.AppendRow({1.f});
  auto missing = FillHistogramColumn(t, "b", {0, 1});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("b"), std::string::npos);
}

TEST(HistogramTest, Chi2PerNdfNearOneForOneDistributionLargeForShift) {
  auto edges = FixedEdges(40, -4, 4);
  ASSERT_TRUE(edges.ok());
  auto a = FillHistogram(Normal(200000, 10, 0), *edges);
  auto b = FillHistogram(Normal(100000, 11, 0), *edges);
  auto c = FillHistogram(Normal(100000, 12, 0.2), *edges);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto same = Chi2Test(*a, *b);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->ndf, 39);
  // chi2 ~ chi2(39): its sd per ndf is sqrt(2/39) = 0.23.
  EXPECT_NEAR(same->chi2_per_ndf, 1.0, 0.7);
  auto shifted = Chi2Test(*a, *c);
  ASSERT_TRUE(shifted.ok());
  EXPECT_GT(shifted->chi2_per_ndf, 50);
}

TEST(HistogramTest, Chi2HandComputed) {
  Histogram a{{0, 1, 2, 3}, {3, 1, 0}, {3, 1, 0}};
  Histogram b{{0, 1, 2, 3}, {1, 1, 0}, {1, 1, 0}};
  auto r = Chi2Test(a, b);
  ASSERT_TRUE(r.ok());
  // p = (3/4, 1/4), q = (1/2, 1/2); variances 3/16 + 1/4, 1/16 + 1/4.
  const double expect = 0.0625 / (3.0 / 16 + 0.25) + 0.0625 / (1.0 / 16 + 0.25);
  EXPECT_NEAR(r->chi2, expect, 1e-12);
  EXPECT_EQ(r->ndf, 1);
  Histogram other{{0, 1, 2, 4}, {1, 1, 0}, {1, 1, 0}};
  EXPECT_EQ(Chi2Test(a, other).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HistogramTest, RatioErrorsHandComputed) {
  // Numerator bins 4 and 0 unweighted, 9 with weights 3 (sum w2 = 27);
  // denominator 2, 5, 0.
  Histogram num{{0, 1, 2, 3}, {4, 0, 9}, {4, 0, 27}};
  Histogram den{{0, 1, 2, 3}, {2, 5, 0}, {2, 5, 0}};
  auto r = Ratio(num, den);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->ratio[0], 2.0);
  // r sqrt(1/4 + 1/2) = 2 sqrt(0.75)
  EXPECT_NEAR(r->error[0], 2 * std::sqrt(0.75), 1e-12);
  EXPECT_TRUE(r->valid[1]);
  EXPECT_DOUBLE_EQ(r->ratio[1], 0.0);
  EXPECT_DOUBLE_EQ(r->error[1], 0.0);  // a = 0 and s_a = 0
  EXPECT_FALSE(r->valid[2]);
  auto shape = Ratio(num, den, /*normalize=*/true);
  ASSERT_TRUE(shape.ok());
  // (4/13) / (2/7) and its error (1/13)(7/2) sqrt(4 + 16 * 2 / 4).
  EXPECT_NEAR(shape->ratio[0], (4.0 / 13) / (2.0 / 7), 1e-12);
  EXPECT_NEAR(shape->error[0], (7.0 / 2 / 13) * std::sqrt(4 + 16.0 * 2 / 4), 1e-12);
}

}  // namespace
}  // namespace evgen
