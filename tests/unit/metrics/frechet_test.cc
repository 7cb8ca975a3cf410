#include "core/metrics/frechet.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/random/counter_rng.h"
#include "gtest/gtest.h"

namespace evgen {
namespace {

// GaussianSample draws n rows with feature c ~ N(mean[c], scale[c]^2), row r
// from CounterRng(seed, r).
FeatureMatrix GaussianSample(int64_t n, const std::vector<double>& mean,
                             const std::vector<double>& scale, uint64_t seed) {
  FeatureMatrix m;
  m.rows = n;
  m.cols = static_cast<int>(mean.size());
  for (int64_t r = 0; r < n; ++r) {
    CounterRng rng(seed, static_cast<uint64_t>(r));
    for (size_t c = 0; c < mean.size(); ++c) m.values.push_back(mean[c] + scale[c] * rng.Normal());
  }
  return m;
}

GaussianMoments Moments(std::vector<double> mean, std::vector<double> covariance) {
  GaussianMoments g;
  g.dim = static_cast<int>(mean.size());
  g.mean = std::move(mean);
  g.covariance = std::move(covariance);
  return g;
}

TEST(FrechetDistanceTest, ClosedFormForCommutingCovariances) {
  // |(1, 2)|^2 + (1 + 4 + 4 + 9) - 2 (sqrt(4) + sqrt(36)) = 5 + 18 - 16 = 7.
  absl::StatusOr<double> fd =
      FrechetDistance(Moments({0, 0}, {1, 0, 0, 4}), Moments({1, 2}, {4, 0, 0, 9}));
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_NEAR(*fd, 7.0, 1e-12);
}

TEST(FrechetDistanceTest, ClosedFormForNonCommutingCovariances) {
  // For 2x2 matrices Tr sqrt(S1 S2) = sqrt(Tr(S1 S2) + 2 sqrt(det S1 det S2)).
  const std::vector<double> s1 = {2, 1, 1, 2};
  const std::vector<double> s2 = {1, 0.5, 0.5, 3};
  const double tr12 = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3];
  const double det1 = s1[0] * s1[3] - s1[1] * s1[2];
  const double det2 = s2[0] * s2[3] - s2[1] * s2[2];
  const double expected = 0.25 + 1.0 + (4 + 4) - 2 * std::sqrt(tr12 + 2 * std::sqrt(det1 * det2));
  absl::StatusOr<double> fd = FrechetDistance(Moments({0.5, 0}, s1), Moments({0, -1}, s2));
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_NEAR(*fd, expected, 1e-12);
  // Symmetric in its arguments, zero on itself.
  absl::StatusOr<double> swapped = FrechetDistance(Moments({0, -1}, s2), Moments({0.5, 0}, s1));
  ASSERT_TRUE(swapped.ok());
  EXPECT_NEAR(*swapped, expected, 1e-12);
  absl::StatusOr<double> self = FrechetDistance(Moments({0, -1}, s2), Moments({0, -1}, s2));
  ASSERT_TRUE(self.ok());
  EXPECT_NEAR(*self, 0.0, 1e-12);
}

TEST(FrechetDistanceTest, SingularCovarianceGetsEps) {
  // S1 = 0, S2 = 1: with eps on both diagonals,
  // FD = eps + (1 + eps) - 2 sqrt(eps (1 + eps)).
  absl::StatusOr<double> fd = FrechetDistance(Moments({0}, {0}), Moments({0}, {1}));
  ASSERT_TRUE(fd.ok()) << fd.status();
  const double eps = 1e-6;
  EXPECT_NEAR(*fd, eps + 1 + eps - 2 * std::sqrt(eps * (1 + eps)), 1e-12);
}

TEST(FrechetDistanceTest, BadMoments) {
  EXPECT_EQ(FrechetDistance(Moments({0, 0}, {1, 0, 0, 1}), Moments({0}, {1})).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FrechetDistance(Moments({0, 0}, {1, 0, 0}), Moments({0, 0}, {1, 0, 0, 1}))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FrechetDistance(Moments({0, 0}, {1, 0.5, 0, 1}), Moments({0, 0}, {1, 0, 0, 1}))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FrechetDistanceTest, SamplesMatchTheClosedFormOfTheTrueParameters) {
  // X ~ N(0, I), Y ~ N(mu, diag(s^2)): FD = |mu|^2 + sum (1 - s)^2
  // = 0.34 + 0 + 1 + 0.25 = 1.59. Statistical error ~ 0.02 at 20k rows.
  const FeatureMatrix x = GaussianSample(20000, {0, 0, 0}, {1, 1, 1}, 1);
  const FeatureMatrix y = GaussianSample(20000, {0.5, -0.3, 0}, {1, 2, 0.5}, 2);
  absl::StatusOr<double> fd = FrechetDistance(x, y);
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_NEAR(*fd, 1.59, 0.05);
  std::printf("FD(samples) = %.5f, closed form 1.59\n", *fd);
}

TEST(FitGaussianTest, WeightsActLikeRepeatedRows) {
  FeatureMatrix weighted;
  weighted.rows = 3;
  weighted.cols = 1;
  weighted.values = {0, 1, 3};
  weighted.weights = {1, 2, 1};
  absl::StatusOr<GaussianMoments> g = FitGaussian(weighted);
  ASSERT_TRUE(g.ok()) << g.status();
  // numpy.cov([0, 1, 3], aweights=[1, 2, 1]) = 1.9: mean 5/4, sum w d^2 =
  // 1.5625 + 0.125 + 3.0625 = 4.75 over V1 - V2/V1 = 4 - 6/4 = 2.5.
  EXPECT_NEAR(g->mean[0], 1.25, 1e-14);
  EXPECT_NEAR(g->covariance[0], 1.9, 1e-14);
}

// RunScipy returns FD computed by JetNet's recipe in scipy, or nothing when
// python3 or scipy is missing.
bool RunScipy(const std::string& script, double* out) {
  FILE* pipe = popen(("/usr/bin/python3 -c '" + script + "' 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return false;
  char buffer[256] = {0};
  const bool read = std::fgets(buffer, sizeof(buffer), pipe) != nullptr;
  const int rc = pclose(pipe);
  if (!read || rc != 0) return false;
  *out = std::strtod(buffer, nullptr);
  return true;
}

TEST(FrechetDistanceTest, AgreesWithScipySqrtm) {
  // Two non-commuting 4x4 covariances, A A^T + I with fixed integer A.
  const std::vector<double> mu1 = {0.1, -0.2, 0.3, 0.0};
  const std::vector<double> mu2 = {0.4, 0.1, -0.5, 0.2};
  const std::vector<double> a1 = {1, 2, 0, 1, 0, 1, 3, 0, 2, 0, 1, 1, 1, 1, 0, 2};
  const std::vector<double> a2 = {2, 0, 1, 0, 1, 1, 0, 3, 0, 2, 2, 1, 1, 0, 0, 1};
  const auto gram = [](const std::vector<double>& a) {
    std::vector<double> s(16, 0);
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 4; ++j) {
        for (int k = 0; k < 4; ++k) s[i * 4 + j] += a[i * 4 + k] * a[j * 4 + k];
        if (i == j) s[i * 4 + j] += 1;
      }
    }
    return s;
  };
  const std::vector<double> s1 = gram(a1);
  const std::vector<double> s2 = gram(a2);
  const auto list = [](const std::vector<double>& v) {
    std::ostringstream os;
    os.precision(17);
    os << "[";
    for (double x : v) os << x << ",";
    os << "]";
    return os.str();
  };
  const std::string script =
      "import numpy as np; from scipy import linalg; "
      "m1=np.array(" + list(mu1) + "); m2=np.array(" + list(mu2) + "); "
      "s1=np.array(" + list(s1) + ").reshape(4,4); s2=np.array(" + list(s2) + ").reshape(4,4); "
      "c,_=linalg.sqrtm(s1.dot(s2),disp=False); c=c.real; d=m1-m2; "
      "print(repr(float(d.dot(d)+np.trace(s1)+np.trace(s2)-2*np.trace(c))))";
  double scipy_fd = 0;
  if (!RunScipy(script, &scipy_fd)) GTEST_SKIP() << "python3 with scipy not available";
  absl::StatusOr<double> fd = FrechetDistance(Moments(mu1, s1), Moments(mu2, s2));
  ASSERT_TRUE(fd.ok()) << fd.status();
  std::printf("FD evgen = %.12f, scipy = %.12f\n", *fd, scipy_fd);
  EXPECT_NEAR(*fd, scipy_fd, 1e-6 * std::abs(scipy_fd));
}

TEST(FpdTest, BatchSizesAreJetNets) {
  EXPECT_EQ(FpdBatchSizes(20000, 50000, 10),
            (std::vector<int64_t>{20000, 21428, 23076, 24999, 27272, 30000, 33333, 37499, 42857,
                                  49999}));
}

// Small-sample settings keep the tests fast; they trigger the size warning.
FpdConfig SmallFpd() {
  FpdConfig config;
  config.min_samples = 2000;
  config.max_samples = 5000;
  config.num_batches = 5;
  return config;
}

TEST(FpdTest, NearZeroForIdenticalAndPositiveForShifted) {
  const std::vector<double> zero = {0, 0, 0};
  const std::vector<double> unit = {1, 1, 1};
  const FeatureMatrix reference = GaussianSample(10000, zero, unit, 41);
  absl::StatusOr<FpdResult> same =
      FrechetPhysicsDistance(reference, GaussianSample(10000, zero, unit, 42), SmallFpd());
  absl::StatusOr<FpdResult> shifted = FrechetPhysicsDistance(
      reference, GaussianSample(10000, {0.5, 0, 0}, unit, 43), SmallFpd());
  ASSERT_TRUE(same.ok()) << same.status();
  ASSERT_TRUE(shifted.ok()) << shifted.status();
  std::printf("FPD same = %.3g +- %.2g (slope %.3g), shifted = %.4g +- %.2g\n", same->value,
              same->error, same->slope, shifted->value, shifted->error);
  EXPECT_EQ(same->batch_sizes.size(), 10u);
  EXPECT_EQ(same->batch_sizes.front(), 2000);
  EXPECT_GE(same->value, 0);
  EXPECT_GE(same->slope, 0);
  EXPECT_FALSE(same->warnings.empty());
  // Shift 0.5 on a feature scaled by its max |x| (~4): FD ~ (0.5 / 4)^2 ~ 0.015.
  EXPECT_GT(shifted->value, 0.005);
  EXPECT_LT(same->value, 0.05 * shifted->value);
}

TEST(KpdTest, NearZeroForIdenticalAndPositiveForShifted) {
  const std::vector<double> zero = {0, 0, 0};
  const std::vector<double> unit = {1, 1, 1};
  KpdConfig config;
  config.batch_size = 500;
  const FeatureMatrix reference = GaussianSample(10000, zero, unit, 51);
  absl::StatusOr<KpdResult> same =
      KernelPhysicsDistance(reference, GaussianSample(10000, zero, unit, 52), config);
  absl::StatusOr<KpdResult> shifted = KernelPhysicsDistance(
      reference, GaussianSample(10000, {1.0, 0, 0}, unit, 53), config);
  ASSERT_TRUE(same.ok()) << same.status();
  ASSERT_TRUE(shifted.ok()) << shifted.status();
  std::printf("KPD same = %.3g +- %.2g, shifted = %.4g +- %.2g\n", same->value, same->error,
              shifted->value, shifted->error);
  EXPECT_EQ(same->batch_values.size(), 10u);
  EXPECT_FALSE(same->warnings.empty());
  EXPECT_LT(std::abs(same->value), 3 * same->error + 1e-6);
  EXPECT_GT(shifted->value, 3 * shifted->error);
  EXPECT_GT(shifted->value, 10 * std::abs(same->value));
}

TEST(FpdTest, BadInput) {
  const FeatureMatrix a = GaussianSample(100, {0, 0}, {1, 1}, 1);
  const FeatureMatrix b = GaussianSample(100, {0}, {1}, 2);
  EXPECT_EQ(FrechetPhysicsDistance(a, b).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KernelPhysicsDistance(a, b).status().code(), absl::StatusCode::kInvalidArgument);
  FpdConfig config;
  config.num_points = 1;
  EXPECT_EQ(FrechetPhysicsDistance(a, a, config).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evgen
