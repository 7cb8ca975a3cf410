#include "core/physics/camel.h"

#include <cmath>
#include <cstdint>

#include "gtest/gtest.h"

// The expectations follow the density documented in docs/physics.md
// ("Camel"): modes at 0.5 -+ separation/2 in every coordinate. Margins are
// several standard errors wide, so they hold for any seed.

namespace evgen {
namespace {

constexpr int64_t kEvents = 100000;
constexpr uint64_t kSeed = 1234;

TEST(CamelTest, DefaultsAreTheOneDimensionalBenchmark) {
  auto t = GenerateCamel(kEvents, kSeed, {});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->num_columns(), 1);
  EXPECT_EQ(t->columns()[0], "x0");
  EXPECT_EQ(t->num_rows(), kEvents);
  double sum = 0, sum2 = 0;
  int64_t low = 0;
  for (int64_t r = 0; r < kEvents; ++r) {
    const double x = t->at(r, 0);
    sum += x;
    sum2 += x * x;
    if (x < 0.5) ++low;
  }
  const double mean = sum / kEvents, var = sum2 / kEvents - mean * mean;
  const double s = 0.2 / std::sqrt(2.0), d = 1.0 / 3.0;
  EXPECT_NEAR(mean, 0.5, 0.003);
  EXPECT_NEAR(var, s * s + d * d * 0.25, 0.002);
  EXPECT_NEAR(static_cast<double>(low) / kEvents, 0.5, 0.01);
}

TEST(CamelTest, MomentsAndModeFractionInFourDimensions) {
  const double w = 0.3, d = 1.0, s = 0.1;
  auto t = GenerateCamel(kEvents, kSeed,
                         {{"dimensions", 4}, {"separation", d}, {"width", s}, {"weight", w}});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->num_columns(), 4);
  EXPECT_EQ(t->columns()[3], "x3");
  double sum[4] = {0}, sum2[4] = {0}, sum01 = 0;
  int64_t first_mode = 0;
  for (int64_t r = 0; r < kEvents; ++r) {
    double centre = 0;
    for (int j = 0; j < 4; ++j) {
      const double x = t->at(r, j);
      sum[j] += x;
      sum2[j] += x * x;
      centre += x - 0.5;
    }
    sum01 += t->at(r, 0) * t->at(r, 1);
    if (centre < 0) ++first_mode;  // the first mode sits at 0.5 - d/2
  }
  // E[x] = 0.5 - (d/2)(2w - 1); Var = s^2 + d^2 w (1-w); Cov(x_i, x_j) = d^2 w (1-w).
  const double mean = 0.5 - 0.5 * d * (2 * w - 1);
  const double between = d * d * w * (1 - w);
  for (int j = 0; j < 4; ++j) {
    const double m = sum[j] / kEvents;
    EXPECT_NEAR(m, mean, 0.005) << "x" << j;
    EXPECT_NEAR(sum2[j] / kEvents - m * m, s * s + between, 0.004) << "x" << j;
  }
  const double cov = sum01 / kEvents - (sum[0] / kEvents) * (sum[1] / kEvents);
  EXPECT_NEAR(cov, between, 0.004);
  EXPECT_NEAR(static_cast<double>(first_mode) / kEvents, w, 0.006);
}

TEST(CamelTest, SeedsReproduceAndRowsDoNotDependOnCount) {
  const SimulatorOptions options = {{"dimensions", 3}};
  auto a = GenerateCamel(1000, 7, options);
  auto b = GenerateCamel(1000, 7, options);
  auto c = GenerateCamel(10, 7, options);
  auto other = GenerateCamel(1000, 8, options);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && other.ok());
  EXPECT_EQ(a->values(), b->values());
  EXPECT_NE(a->values(), other->values());
  for (int64_t r = 0; r < 10; ++r) {
    for (int j = 0; j < 3; ++j) EXPECT_EQ(a->at(r, j), c->at(r, j));
  }
}

TEST(CamelTest, RejectsInvalidArguments) {
  auto expect_invalid = [](int64_t n, const SimulatorOptions& options, const std::string& name) {
    auto t = GenerateCamel(n, 1, options);
    ASSERT_FALSE(t.ok()) << name;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find(name), std::string::npos) << t.status();
  };
  expect_invalid(0, {}, "n_events");
  expect_invalid(100'000'001, {}, "n_events");
  expect_invalid(10, {{"dimensions", 0}}, "options.dimensions");
  expect_invalid(10, {{"dimensions", 65}}, "options.dimensions");
  expect_invalid(10, {{"dimensions", 2.5}}, "options.dimensions");
  expect_invalid(10, {{"width", 0}}, "options.width");
  expect_invalid(10, {{"weight", 1.5}}, "options.weight");
  expect_invalid(10, {{"separation", -1}}, "options.separation");
}

// The analytic CDF: symmetric default median at the centre, each mode's
// half below its mean for well separated modes, and the quantile function
// its inverse; the empirical CDF of 10^5 events agrees within 4 sigma.
TEST(CamelTest, CdfAndQuantileAreInverse) {
  const auto camel = ReadCamelParameters({});
  ASSERT_TRUE(camel.ok()) << camel.status();
  EXPECT_NEAR(CamelCdf(*camel, 0.5), 0.5, 1e-15);
  EXPECT_NEAR(CamelQuantile(*camel, 0.5), 0.5, 1e-12);
  const auto narrow = ReadCamelParameters({{"width", 0.01}, {"weight", 0.3}});
  ASSERT_TRUE(narrow.ok());
  EXPECT_NEAR(CamelCdf(*narrow, 0.5 - 1.0 / 6), 0.15, 1e-12);
  EXPECT_NEAR(CamelCdf(*narrow, 0.5), 0.3, 1e-12);
  for (double p : {1e-6, 0.05, 0.3, 0.5, 0.77, 0.95, 1 - 1e-6}) {
    EXPECT_NEAR(CamelCdf(*camel, CamelQuantile(*camel, p)), p, 1e-12) << p;
    EXPECT_NEAR(CamelCdf(*narrow, CamelQuantile(*narrow, p)), p, 1e-12) << p;
  }
  auto t = GenerateCamel(kEvents, kSeed, {});
  ASSERT_TRUE(t.ok());
  for (double p : {0.05, 0.25, 0.6, 0.9}) {
    const double x = CamelQuantile(*camel, p);
    int64_t below = 0;
    for (int64_t r = 0; r < kEvents; ++r) below += t->at(r, 0) <= x;
    EXPECT_NEAR(static_cast<double>(below) / kEvents, p, 4 * std::sqrt(p * (1 - p) / kEvents)) << p;
  }
}

TEST(CamelTest, ParametersCarryTheDefaultsAndRanges) {
  const auto camel = ReadCamelParameters({{"dimensions", 3}});
  ASSERT_TRUE(camel.ok());
  EXPECT_EQ(camel->dimensions, 3);
  EXPECT_DOUBLE_EQ(camel->separation, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(camel->width, 0.2 / std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(camel->weight, 0.5);
  const auto bad = ReadCamelParameters({{"weight", 2}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("options.weight"), std::string::npos);
}

}  // namespace
}  // namespace evgen
