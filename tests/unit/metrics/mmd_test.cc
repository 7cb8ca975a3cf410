#include "core/metrics/mmd.h"

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/random/counter_rng.h"
#include "gtest/gtest.h"

namespace evgen {
namespace {

// NormalSample draws n rows of d independent N(shift, 1) features, row r
// from CounterRng(seed, r).
FeatureMatrix NormalSample(int64_t n, int d, double shift, uint64_t seed) {
  FeatureMatrix m;
  m.rows = n;
  m.cols = d;
  for (int64_t r = 0; r < n; ++r) {
    CounterRng rng(seed, static_cast<uint64_t>(r));
    for (int c = 0; c < d; ++c) m.values.push_back(shift + rng.Normal());
  }
  return m;
}

FeatureMatrix Column(const std::vector<double>& values) {
  FeatureMatrix m;
  m.rows = static_cast<int64_t>(values.size());
  m.cols = 1;
  m.values = values;
  return m;
}

TEST(UnbiasedMmd2Test, HandComputedGaussianAndBreitWigner) {
  // x = {0, 1}, y = {0, 2}: XX = k(1), YY = k(2), XY = (k(0) + k(2) + 2 k(1)) / 4.
  const FeatureMatrix x = Column({0, 1});
  const FeatureMatrix y = Column({0, 2});
  MmdConfig config;
  config.sigma = 1.0;
  const auto gauss = [](double r) { return std::exp(-r * r / 2); };
  const double expected_gauss =
      gauss(1) + gauss(2) - 2 * (gauss(0) + gauss(2) + 2 * gauss(1)) / 4;
  absl::StatusOr<double> value = UnbiasedMmd2(x, y, config);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_NEAR(*value, expected_gauss, 1e-14);

  config.kernel = MmdKernel::kBreitWigner;
  config.sigma = 0.5;
  const auto bw = [](double r) { return 0.25 / (r * r + 0.25); };
  value = UnbiasedMmd2(x, y, config);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_NEAR(*value, bw(1) + bw(2) - 2 * (bw(0) + bw(2) + 2 * bw(1)) / 4, 1e-14);

  config.kernel = MmdKernel::kMultiScaleGaussian;
  config.sigmas = {1.0, 1.0};
  value = UnbiasedMmd2(x, y, config);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_NEAR(*value, 2 * expected_gauss, 1e-14);

  // Polynomial, d = 1, degree 2: k(a, b) = (a b + 1)^2.
  config.kernel = MmdKernel::kPolynomial;
  config.degree = 2;
  const auto poly = [](double a, double b) { return (a * b + 1) * (a * b + 1); };
  value = UnbiasedMmd2(x, y, config);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_NEAR(*value,
              poly(0, 1) + poly(0, 2) -
                  2 * (poly(0, 0) + poly(0, 2) + poly(1, 0) + poly(1, 2)) / 4,
              1e-12);
}

TEST(UnbiasedMmd2Test, ChunkingAndUniformWeightsDoNotChangeTheValue) {
  FeatureMatrix x = NormalSample(300, 3, 0.0, 1);
  const FeatureMatrix y = NormalSample(250, 3, 0.3, 2);
  MmdConfig config;
  absl::StatusOr<double> reference = UnbiasedMmd2(x, y, config);
  ASSERT_TRUE(reference.ok()) << reference.status();
  config.chunk_rows = 7;
  absl::StatusOr<double> chunked = UnbiasedMmd2(x, y, config);
  ASSERT_TRUE(chunked.ok());
  EXPECT_NEAR(*chunked, *reference, 1e-12);
  x.weights.assign(x.rows, 2.5);  // a constant weight is no weight
  absl::StatusOr<double> weighted = UnbiasedMmd2(x, y, config);
  ASSERT_TRUE(weighted.ok());
  EXPECT_NEAR(*weighted, *reference, 1e-12);
}

TEST(UnbiasedMmd2Test, IntegerWeightsMatchRepeatedRowsInTheCrossTerm) {
  // Weight 0 removes a row entirely.
  FeatureMatrix x = Column({0.0, 1.0, 5.0});
  x.weights = {1, 1, 0};
  const FeatureMatrix y = Column({0.5, 2.0});
  MmdConfig config;
  absl::StatusOr<double> weighted = UnbiasedMmd2(x, y, config);
  absl::StatusOr<double> dropped = UnbiasedMmd2(Column({0.0, 1.0}), y, config);
  ASSERT_TRUE(weighted.ok() && dropped.ok());
  EXPECT_NEAR(*weighted, *dropped, 1e-14);
}

TEST(MmdTest, SameDistributionIsZeroWithinItsError) {
  for (MmdKernel kernel :
       {MmdKernel::kGaussian, MmdKernel::kBreitWigner, MmdKernel::kMultiScaleGaussian}) {
    MmdConfig config;
    config.kernel = kernel;
    config.seed = 7;
    absl::StatusOr<MmdResult> r =
        Mmd(NormalSample(400, 2, 0.0, 11), NormalSample(400, 2, 0.0, 12), config);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_GT(r->error, 0);
    EXPECT_LT(std::abs(r->mmd2), 3 * r->error) << "kernel " << static_cast<int>(kernel);
    EXPECT_FALSE(r->subsampled);
    EXPECT_TRUE(r->warnings.empty());
  }
}

TEST(MmdTest, GrowsWithTheShift) {
  for (MmdKernel kernel :
       {MmdKernel::kGaussian, MmdKernel::kBreitWigner, MmdKernel::kMultiScaleGaussian}) {
    MmdConfig config;
    config.kernel = kernel;
    config.bootstrap = 10;
    std::vector<double> values;
    for (double shift : {0.0, 0.5, 1.0}) {
      absl::StatusOr<MmdResult> r =
          Mmd(NormalSample(400, 2, 0.0, 21), NormalSample(400, 2, shift, 22), config);
      ASSERT_TRUE(r.ok()) << r.status();
      values.push_back(r->mmd2);
      if (shift > 0) {
        EXPECT_GT(r->mmd2, 3 * r->error);
      }
    }
    EXPECT_LT(values[0], values[1]);
    EXPECT_LT(values[1], values[2]);
  }
}

TEST(MmdTest, CapSubsamplesDeterministically) {
  MmdConfig config;
  config.max_samples = 200;
  config.bootstrap = 3;
  config.seed = 5;
  const FeatureMatrix x = NormalSample(1000, 2, 0.0, 31);
  const FeatureMatrix y = NormalSample(150, 2, 0.0, 32);
  absl::StatusOr<MmdResult> a = Mmd(x, y, config);
  absl::StatusOr<MmdResult> b = Mmd(x, y, config);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->subsampled);
  EXPECT_EQ(a->rows_x, 200);
  EXPECT_EQ(a->rows_y, 150);
  EXPECT_EQ(a->warnings.size(), 1u);
  EXPECT_EQ(a->mmd2, b->mmd2);
  EXPECT_EQ(a->error, b->error);
  config.seed = 6;
  absl::StatusOr<MmdResult> c = Mmd(x, y, config);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->mmd2, c->mmd2);
}

TEST(MmdTest, TablesAndBadInput) {
  Table x({"a", "b"});
  Table y({"b", "a"});
  for (int i = 0; i < 20; ++i) {
    x.AppendRow({static_cast<float>(i), 1.f});
    y.AppendRow({1.f, static_cast<float>(i)});
  }
  MmdConfig config;
  config.bootstrap = 0;
  absl::StatusOr<MmdResult> r = Mmd(x, y, {"a", "b"}, config);
  ASSERT_TRUE(r.ok()) << r.status();
  // Identical rows after column selection: the unbiased estimate is
  // 2 (XX - 1) / m < 0, the cross term keeping the k(x, x) = 1 pairs.
  EXPECT_LT(r->mmd2, 0);
  EXPECT_GT(r->mmd2, -2.0 / 20);
  EXPECT_EQ(r->error, -1);
  EXPECT_EQ(Mmd(x, y, {"c"}, config).status().code(), absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(Mmd(NormalSample(10, 2, 0, 1), NormalSample(10, 3, 0, 2)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Mmd(NormalSample(1, 2, 0, 1), NormalSample(10, 2, 0, 2)).status().code(),
            absl::StatusCode::kInvalidArgument);
  config.sigma = 0;
  EXPECT_EQ(Mmd(NormalSample(10, 2, 0, 1), NormalSample(10, 2, 0, 2), config).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeFeatureMatrix(2, 2, {1, 2, 3}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeFeatureMatrix(1, 1, {NAN}).status().code(), absl::StatusCode::kInvalidArgument);
}

// Benchmark of the default cap (2000 rows each, 20 bootstraps):
// --gtest_also_run_disabled_tests --gtest_filter='*Benchmark*'.
TEST(MmdTest, DISABLED_BenchmarkDefaultCap) {
  absl::StatusOr<MmdResult> r =
      Mmd(NormalSample(20000, 4, 0.0, 1), NormalSample(20000, 4, 0.1, 2), MmdConfig{});
  ASSERT_TRUE(r.ok()) << r.status();
  std::printf("MMD^2 = %.3g +- %.2g on %lld x %lld rows\n", r->mmd2, r->error,
              static_cast<long long>(r->rows_x), static_cast<long long>(r->rows_y));
}

}  // namespace
}  // namespace evgen
