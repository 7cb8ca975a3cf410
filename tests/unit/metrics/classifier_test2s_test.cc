#include "core/metrics/classifier_test2s.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "absl/status/status.h"
#include "core/random/counter_rng.h"
#include "gtest/gtest.h"

namespace evgen {
namespace {

// Gaussians builds n rows of (x, y): x ~ N(shift, 1), y ~ N(0, 2), row r
// from CounterRng(seed, r).
Table Gaussians(int64_t n, uint64_t seed, double shift) {
  Table t({"x", "y"});
  t.Reserve(n);
  for (int64_t r = 0; r < n; ++r) {
    CounterRng rng(seed, static_cast<uint64_t>(r));
    t.AppendRow({static_cast<float>(shift + rng.Normal()), static_cast<float>(2 * rng.Normal())});
  }
  return t;
}

// Boxes builds n rows uniform in [x0, x0 + 1] x [0, 1].
Table Boxes(int64_t n, uint64_t seed, double x0) {
  Table t({"x", "y"});
  for (int64_t r = 0; r < n; ++r) {
    CounterRng rng(seed, static_cast<uint64_t>(r));
    t.AppendRow({static_cast<float>(x0 + rng.Uniform()), static_cast<float>(rng.Uniform())});
  }
  return t;
}

TEST(RocAucTest, HandComputedValues) {
  // scikit-learn's documented example: 3 of 4 positive-negative pairs ordered.
  absl::StatusOr<double> auc = RocAuc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1});
  ASSERT_TRUE(auc.ok()) << auc.status();
  EXPECT_DOUBLE_EQ(*auc, 0.75);
  // All scores tied: every pair counts one half.
  EXPECT_DOUBLE_EQ(*RocAuc({1, 1, 1}, {0, 1, 1}), 0.5);
  // Perfect and inverted orderings.
  EXPECT_DOUBLE_EQ(*RocAuc({0, 1, 2, 3}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(*RocAuc({0, 1, 2, 3}, {1, 1, 0, 0}), 0.0);
  // One tie between a positive and a negative: pairs (p=2,n=1) 1, (p=2,n=2) 1/2,
  // (p=3,n=1) 1, (p=3,n=2) 1 -> 3.5 / 4.
  EXPECT_DOUBLE_EQ(*RocAuc({1, 2, 2, 3}, {0, 0, 1, 1}), 0.875);
  // Weights act as repeated entries: weight 2 on the misordered negative.
  EXPECT_DOUBLE_EQ(*RocAuc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}, {1, 2, 1, 1}),
                   *RocAuc({0.1, 0.4, 0.4, 0.35, 0.8}, {0, 0, 0, 1, 1}));
}

TEST(RocAucTest, RejectsOneClassAndSizeMismatch) {
  EXPECT_EQ(RocAuc({1, 2}, {1, 1}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RocAuc({1, 2}, {1}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ClassifierTwoSampleTest, SameDistributionGivesHalf) {
  const Table a = Gaussians(4000, 11, 0.0), b = Gaussians(4000, 12, 0.0);
  absl::StatusOr<ClassifierTestResult> r = ClassifierTwoSampleTest(a, b);
  ASSERT_TRUE(r.ok()) << r.status();
  std::printf("same distribution: AUC = %.4f (null std %.4f)\n", r->auc, r->auc_null_std);
  EXPECT_GT(r->auc, 0.45);
  EXPECT_LT(r->auc, 0.55);
  EXPECT_EQ(r->reference_test_rows, 2000);
  EXPECT_EQ(r->generated_train_rows, 2000);
}

TEST(ClassifierTwoSampleTest, DisjointSamplesGiveOne) {
  absl::StatusOr<ClassifierTestResult> r = ClassifierTwoSampleTest(Boxes(3000, 1, 0.0), Boxes(3000, 2, 2.0));
  ASSERT_TRUE(r.ok()) << r.status();
  std::printf("disjoint: AUC = %.4f\n", r->auc);
  EXPECT_GT(r->auc, 0.97);
}

TEST(ClassifierTwoSampleTest, ShiftIsDetected) {
  absl::StatusOr<ClassifierTestResult> r = ClassifierTwoSampleTest(Gaussians(4000, 3, 0.0), Gaussians(4000, 4, 0.5));
  ASSERT_TRUE(r.ok()) << r.status();
  // The Bayes-optimal AUC for a 0.5 sigma shift is Phi(0.5 / sqrt(2)) = 0.638.
  std::printf("0.5 sigma shift: AUC = %.4f\n", r->auc);
  EXPECT_GT(r->auc, 0.6);
  EXPECT_LT(r->auc, 0.66);
}

TEST(ClassifierTwoSampleTest, SameSeedSameAuc) {
  const Table a = Gaussians(3000, 5, 0.0), b = Gaussians(3000, 6, 0.3);
  ClassifierTestConfig cfg;
  cfg.seed = 42;
  cfg.epochs = 5;
  absl::StatusOr<ClassifierTestResult> first = ClassifierTwoSampleTest(a, b, cfg);
  absl::StatusOr<ClassifierTestResult> second = ClassifierTwoSampleTest(a, b, cfg);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->auc, second->auc);
  EXPECT_EQ(first->train_loss, second->train_loss);
  EXPECT_EQ(first->seed, 42u);
  cfg.seed = 43;
  absl::StatusOr<ClassifierTestResult> other = ClassifierTwoSampleTest(a, b, cfg);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(first->auc, other->auc);
}

TEST(ClassifierTwoSampleTest, CapsRowsAndSelectsColumns) {
  ClassifierTestConfig cfg;
  cfg.max_rows_per_sample = 1000;
  cfg.columns = {"y"};
  cfg.epochs = 2;
  absl::StatusOr<ClassifierTestResult> r = ClassifierTwoSampleTest(Gaussians(3000, 7, 0.0), Gaussians(500, 8, 5.0), cfg);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->reference_train_rows + r->reference_test_rows, 1000);
  EXPECT_EQ(r->generated_train_rows + r->generated_test_rows, 500);
  // Only y is used, and y does not differ.
  EXPECT_LT(std::abs(r->auc - 0.5), 0.08);
}

TEST(ClassifierTwoSampleTest, RejectsBadInput) {
  const Table a = Gaussians(100, 1, 0.0);
  ClassifierTestConfig cfg;
  cfg.columns = {"z"};
  EXPECT_EQ(ClassifierTwoSampleTest(a, a, cfg).status().code(), absl::StatusCode::kInvalidArgument);
  cfg = {};
  cfg.epochs = 0;
  EXPECT_EQ(ClassifierTwoSampleTest(a, a, cfg).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ClassifierTwoSampleTest(a, Gaussians(1, 2, 0.0)).status().code(), absl::StatusCode::kInvalidArgument);
  Table nan = Gaussians(10, 3, 0.0);
  nan.at(4, 0) = std::nanf("");
  EXPECT_EQ(ClassifierTwoSampleTest(a, nan).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evgen
