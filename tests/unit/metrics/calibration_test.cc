#include "core/metrics/calibration.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/metrics/metric_registry.h"
#include "core/random/counter_rng.h"
#include "gtest/gtest.h"

namespace evgen {
namespace {

::testing::AssertionResult HasText(absl::string_view text, absl::string_view part) {
  if (text.find(part) != absl::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

Table Column(const std::string& name, const std::vector<double>& values) {
  Table t({name});
  for (double v : values) t.AppendRow({static_cast<float>(v)});
  return t;
}

// GaussianUnfolding is the textbook case with a known posterior: truth x ~
// N(0, 1), measured y = x + s N(0, 1), so p(x | y) = N(y / (1 + s^2),
// s^2 / (1 + s^2)). Posterior samples are drawn with their width times
// `width_factor` and their centre moved by `shift` posterior widths; row r of
// the posterior belongs to event r mod M.
struct Unfolded {
  Table truth, posterior;
};
Unfolded GaussianUnfolding(int64_t events, int64_t samples, double width_factor, double shift, uint64_t seed) {
  constexpr double kSmearing = 0.7;
  const double width = kSmearing / std::sqrt(1 + kSmearing * kSmearing);
  std::vector<double> truths, centres;
  for (int64_t e = 0; e < events; ++e) {
    CounterRng rng(seed, static_cast<uint64_t>(e));
    const double x = rng.Normal();
    const double y = x + kSmearing * rng.Normal();
    truths.push_back(x);
    centres.push_back(y / (1 + kSmearing * kSmearing) + shift * width);
  }
  std::vector<double> draws;
  CounterRng rng(seed, static_cast<uint64_t>(events));
  for (int64_t r = 0; r < events * samples; ++r) draws.push_back(centres[r % events] + width_factor * width * rng.Normal());
  return {Column("x", truths), Column("x", draws)};
}

TEST(CalibrationTest, KnownSmallAnswer) {
  // The header's example: event 0 has samples 0, 1, 2, event 1 has 1, 2, 3.
  const Table truth = Column("x", {0.5, 10});
  const Table posterior = Column("x", {0, 1, 1, 2, 2, 3});
  CalibrationConfig config;
  config.levels = 2;
  absl::StatusOr<CalibrationResult> r = Calibration(truth, posterior, config);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->events, 2);
  EXPECT_EQ(r->samples_per_event, 3);
  ASSERT_EQ(r->curves.size(), 1u);
  EXPECT_EQ(r->curves[0].nominal, (std::vector<double>{0.25, 0.75}));
  EXPECT_EQ(r->curves[0].coverage, (std::vector<double>{0, 0.5}));
  EXPECT_DOUBLE_EQ(r->max_abs_deviation, 0.25);
  EXPECT_DOUBLE_EQ(r->error, std::sqrt(0.25 * 0.75 / 2));

  // Interpolation: K = 3, q = 0.5 is h = 2, the middle sample; with four
  // levels q = 0.125 is h = 0.5, below the first sample: refused.
  config.levels = 4;
  absl::StatusOr<CalibrationResult> few = Calibration(truth, posterior, config);
  EXPECT_EQ(few.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(few.status().message(), "need at least 7"));
}

TEST(CalibrationTest, TypeSixQuantileInterpolates) {
  // One event, K = 19 samples 1..19, levels = 10: q = 0.05 is h = 1 (sample
  // 1), q = 0.15 is h = 3 (sample 3), .. q = 0.95 is h = 19. A truth of 2.5
  // lies below the quantiles from q = 0.15 on.
  std::vector<double> samples;
  for (int i = 1; i <= 19; ++i) samples.push_back(i);
  absl::StatusOr<CalibrationResult> r = Calibration(Column("x", {2.5}), Column("x", samples));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->curves[0].coverage[0], 0);
  for (int i = 1; i < 10; ++i) EXPECT_EQ(r->curves[0].coverage[i], 1) << i;
  // K = 39: q = 0.05 is h = 2, q = 0.15 is h = 6: a truth of 5.9 is below
  // the second quantile, 6.0 is not.
  // Two events share the samples; rows alternate between them (row r is
  // event r mod 2).
  std::vector<double> interleaved;
  for (int i = 1; i <= 39; ++i) interleaved.insert(interleaved.end(), {static_cast<double>(i), static_cast<double>(i)});
  r = Calibration(Column("x", {5.9, 6.0}), Column("x", interleaved));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->samples_per_event, 39);
  EXPECT_EQ(r->curves[0].coverage[0], 0);
  EXPECT_EQ(r->curves[0].coverage[1], 0.5);
}

// The true posterior is calibrated: every level within 4 binomial errors.
TEST(CalibrationTest, TruePosteriorIsCalibrated) {
  const Unfolded u = GaussianUnfolding(4000, 60, 1.0, 0.0, 11);
  absl::StatusOr<CalibrationResult> r = Calibration(u.truth, u.posterior);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->samples_per_event, 60);
  const CalibrationCurve& c = r->curves[0];
  ASSERT_EQ(c.nominal.size(), 10u);
  EXPECT_DOUBLE_EQ(c.nominal.front(), 0.05);
  EXPECT_DOUBLE_EQ(c.nominal.back(), 0.95);
  for (size_t i = 0; i < c.nominal.size(); ++i) {
    EXPECT_NEAR(c.coverage[i], c.nominal[i], 4 * c.error[i]) << "q = " << c.nominal[i];
  }
  EXPECT_LT(r->max_abs_deviation, 0.03);
  // Same seed, same result; the fewest samples the levels allow still work.
  absl::StatusOr<CalibrationResult> again = Calibration(u.truth, u.posterior);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->curves[0].coverage, c.coverage);
  const Unfolded sparse = GaussianUnfolding(4000, 19, 1.0, 0.0, 12);
  absl::StatusOr<CalibrationResult> s = Calibration(sparse.truth, sparse.posterior);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_LT(s->max_abs_deviation, 0.04);
}

// A posterior half as wide as the truth's gives the S-shape: too many truths
// below the low quantiles, too few below the high ones, the median right.
// A biased one shifts every level the same way.
TEST(CalibrationTest, TooNarrowAndBiasedPosteriorsFail) {
  const Unfolded narrow = GaussianUnfolding(4000, 60, 0.5, 0.0, 13);
  absl::StatusOr<CalibrationResult> r = Calibration(narrow.truth, narrow.posterior);
  ASSERT_TRUE(r.ok()) << r.status();
  const CalibrationCurve& c = r->curves[0];
  // Phi(0.5 Phi^-1(0.05)) = Phi(-0.82) = 0.205.
  EXPECT_NEAR(c.coverage[0], 0.205, 0.03);
  EXPECT_NEAR(c.coverage[9], 0.795, 0.03);
  EXPECT_NEAR(0.5 * (c.coverage[4] + c.coverage[5]), 0.5, 0.03);
  EXPECT_GT(r->max_abs_deviation, 0.1);
  for (int i = 0; i < 4; ++i) {
    EXPECT_GT(c.coverage[i], c.nominal[i] + 0.05) << i;
    EXPECT_LT(c.coverage[9 - i], c.nominal[9 - i] - 0.05) << i;
  }

  const Unfolded biased = GaussianUnfolding(4000, 60, 1.0, 0.5, 14);
  absl::StatusOr<CalibrationResult> b = Calibration(biased.truth, biased.posterior);
  ASSERT_TRUE(b.ok()) << b.status();
  for (size_t i = 0; i < 10; ++i) EXPECT_GT(b->curves[0].coverage[i], b->curves[0].nominal[i]) << i;
  EXPECT_GT(b->max_abs_deviation, 0.15);  // Phi(0.5) - 0.5 = 0.19 at the median
}

TEST(CalibrationTest, WorstColumnAndRegistry) {
  Table truth({"a", "b"}), posterior({"a", "b"});
  const Unfolded good = GaussianUnfolding(2000, 20, 1.0, 0.0, 21);
  const Unfolded narrow = GaussianUnfolding(2000, 20, 0.3, 0.0, 22);
  for (int64_t r = 0; r < 2000; ++r) truth.AppendRow({good.truth.at(r, 0), narrow.truth.at(r, 0)});
  for (int64_t r = 0; r < 40000; ++r) posterior.AppendRow({good.posterior.at(r, 0), narrow.posterior.at(r, 0)});
  absl::StatusOr<MetricOutcome> out = ComputeMetric("calibration", {{"levels", "10"}}, truth, posterior, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->details["worst_column"], "b");
  EXPECT_EQ(out->details["samples_per_event"], 20);
  ASSERT_EQ(out->details["curves"].size(), 2u);
  EXPECT_EQ(out->details["curves"][1]["coverage"].size(), 10u);
  EXPECT_DOUBLE_EQ(out->value, out->details["curves"][1]["max_abs_deviation"].get<double>());
  EXPECT_GT(out->uncertainty, 0);
  absl::StatusOr<MetricOutcome> only_a = ComputeMetric("calibration", {{"columns", "a"}}, truth, posterior, 1);
  ASSERT_TRUE(only_a.ok()) << only_a.status();
  EXPECT_EQ(only_a->details["curves"].size(), 1u);
  EXPECT_LT(only_a->value, 0.06);
  bool listed = false;
  for (const MetricInfo& m : Metrics()) {
    if (m.name != "calibration") continue;
    listed = true;
    EXPECT_EQ(m.options, (std::vector<std::string>{"columns", "levels"}));
  }
  EXPECT_TRUE(listed);
}

TEST(CalibrationTest, RejectsBadInput) {
  const Table truth = Column("x", {1, 2});
  std::vector<double> forty(40, 1.0);
  auto expect_invalid = [](const absl::StatusOr<CalibrationResult>& r, absl::string_view text) {
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(HasText(r.status().message(), text));
  };
  expect_invalid(Calibration(truth, Column("x", std::vector<double>(41, 1.0))), "K * 2 rows");
  expect_invalid(Calibration(Table({"x"}), Column("x", forty)), "truth (reference) table has no rows");
  expect_invalid(Calibration(truth, Column("x", std::vector<double>(36, 1.0))), "need at least 19");
  CalibrationConfig config;
  config.levels = 1;
  expect_invalid(Calibration(truth, Column("x", forty), config), "metrics.options.levels");
  config.levels = 101;
  expect_invalid(Calibration(truth, Column("x", forty), config), "metrics.options.levels");
  config = {};
  config.columns = {"y"};
  expect_invalid(Calibration(truth, Column("x", forty), config), "metrics.options.columns: 'y'");
  expect_invalid(Calibration(truth, Column("y", forty)), "share no column");
  std::vector<double> with_nan = forty;
  with_nan[7] = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(Calibration(truth, Column("x", with_nan)), "posterior column 'x' row 7");
  absl::StatusOr<MetricOutcome> bad = ComputeMetric("calibration", {{"levels", "x"}}, truth, Column("x", forty), 1);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evgen
