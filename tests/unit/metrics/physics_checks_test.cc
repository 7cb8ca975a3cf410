#include "core/metrics/physics_checks.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/physics/four_vector.h"
#include "core/random/counter_rng.h"
#include "gtest/gtest.h"

namespace evgen {
namespace {

constexpr double kWMass = 80.379, kWWidth = 2.085;

double BreitWignerDensity(double m, double mass, double width) {
  const double d = m * m - mass * mass;
  return 1.0 / (d * d + mass * mass * width * width);
}

// BreitWignerSample draws n masses from the relativistic Breit-Wigner on
// [lo, hi] by inverting its closed-form CDF with bisection.
std::vector<double> BreitWignerSample(int64_t n, uint64_t seed, double mass, double width, double lo,
                                      double hi) {
  const double f_lo = RelativisticBreitWignerIntegral(lo, mass, width);
  const double f_hi = RelativisticBreitWignerIntegral(hi, mass, width);
  std::vector<double> out;
  out.reserve(n);
  for (int64_t r = 0; r < n; ++r) {
    CounterRng rng(seed, static_cast<uint64_t>(r));
    const double target = f_lo + rng.Uniform() * (f_hi - f_lo);
    double a = lo, b = hi;
    for (int it = 0; it < 60; ++it) {
      const double mid = 0.5 * (a + b);
      (RelativisticBreitWignerIntegral(mid, mass, width) < target ? a : b) = mid;
    }
    out.push_back(0.5 * (a + b));
  }
  return out;
}

TEST(RelativisticBreitWignerIntegralTest, MatchesSimpson) {
  // Composite Simpson over [0, m] with a fine step near the peak.
  for (double m : {70.0, 80.0, 80.379, 85.0, 200.0}) {
    const int n = 200000;
    const double h = m / n;
    double s = BreitWignerDensity(0, kWMass, kWWidth) + BreitWignerDensity(m, kWMass, kWWidth);
    for (int i = 1; i < n; ++i) s += (i % 2 ? 4 : 2) * BreitWignerDensity(i * h, kWMass, kWWidth);
    s *= h / 3;
    EXPECT_NEAR(RelativisticBreitWignerIntegral(m, kWMass, kWWidth) / s, 1.0, 1e-9) << "m = " << m;
  }
  EXPECT_EQ(RelativisticBreitWignerIntegral(0, kWMass, kWWidth), 0.0);
}

TEST(PeakFitTest, RecoversBreitWignerMassAndWidth) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double> masses =
      BreitWignerSample(200000, 100, kWMass, kWWidth, kWMass - 20 * kWWidth, kWMass + 20 * kWWidth);
  PeakFitConfig cfg;
  cfg.lower_gev = kWMass - 10 * kWWidth;
  cfg.upper_gev = kWMass + 10 * kWWidth;
  absl::StatusOr<PeakFitResult> fit = FitPeak(masses, {}, cfg);
  ASSERT_TRUE(fit.ok()) << fit.status();
  std::printf("BW fit: M = %.4f +- %.4f (truth %.4f), Gamma = %.4f +- %.4f (truth %.4f), %.2f s\n",
              fit->position, fit->position_error, kWMass, fit->width, fit->width_error, kWWidth,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  EXPECT_TRUE(fit->converged);
  EXPECT_NEAR(fit->position, kWMass, 0.01 * kWMass);
  EXPECT_NEAR(fit->width, kWWidth, 0.01 * kWWidth);
  // The errors are statistical: pulls below 4 and the expected sizes
  // (Gamma / sqrt(N) and Gamma * sqrt(2 / N) for a Cauchy-like peak).
  EXPECT_LT(std::abs(fit->position - kWMass), 4 * fit->position_error);
  EXPECT_LT(std::abs(fit->width - kWWidth), 4 * fit->width_error);
  const double n = fit->entries_in_range;
  EXPECT_NEAR(fit->position_error, kWWidth / std::sqrt(2 * n), 0.3 * kWWidth / std::sqrt(2 * n));
  EXPECT_NEAR(fit->width_error, kWWidth * std::sqrt(2 / n), 0.3 * kWWidth * std::sqrt(2 / n));
}

TEST(PeakFitTest, RecoversGaussianMeanAndSigma) {
  const double mu = 91.19, sigma = 2.5;
  std::vector<double> masses;
  for (int64_t r = 0; r < 200000; ++r) {
    CounterRng rng(23, static_cast<uint64_t>(r));
    masses.push_back(mu + sigma * rng.Normal());
  }
  PeakFitConfig cfg;
  cfg.shape = PeakShape::kGaussian;  // automatic range
  absl::StatusOr<PeakFitResult> fit = FitPeak(masses, {}, cfg);
  ASSERT_TRUE(fit.ok()) << fit.status();
  std::printf("Gaussian fit: mu = %.4f +- %.4f (truth %.2f), sigma = %.4f +- %.4f (truth %.2f), range [%.2f, %.2f]\n",
              fit->position, fit->position_error, mu, fit->width, fit->width_error, sigma, fit->lower_gev,
              fit->upper_gev);
  EXPECT_TRUE(fit->converged);
  EXPECT_NEAR(fit->position, mu, 0.01 * mu);
  EXPECT_NEAR(fit->width, sigma, 0.01 * sigma);
  // Gaussian MLE errors: sigma / sqrt(N) and sigma / sqrt(2N).
  EXPECT_NEAR(fit->position_error, sigma / std::sqrt(200000.0), 0.05 * sigma / std::sqrt(200000.0));
  EXPECT_NEAR(fit->width_error, sigma / std::sqrt(400000.0), 0.1 * sigma / std::sqrt(400000.0));
}

TEST(PeakFitTest, BreitWignerOnFlatBackground) {
  const double lo = kWMass - 10 * kWWidth, hi = kWMass + 10 * kWWidth;
  std::vector<double> masses = BreitWignerSample(150000, 29, kWMass, kWWidth, lo, hi);
  for (int64_t r = 0; r < 50000; ++r) {
    CounterRng rng(31, static_cast<uint64_t>(r));
    masses.push_back(lo + (hi - lo) * rng.Uniform());
  }
  PeakFitConfig cfg;
  cfg.lower_gev = lo;
  cfg.upper_gev = hi;
  cfg.flat_background = true;
  absl::StatusOr<PeakFitResult> fit = FitPeak(masses, {}, cfg);
  ASSERT_TRUE(fit.ok()) << fit.status();
  std::printf("BW + flat fit: M = %.4f +- %.4f, Gamma = %.4f +- %.4f, f_bkg = %.4f +- %.4f (truth 0.25)\n",
              fit->position, fit->position_error, fit->width, fit->width_error, fit->background_fraction,
              fit->background_fraction_error);
  EXPECT_TRUE(fit->converged);
  EXPECT_LT(std::abs(fit->position - kWMass), 4 * fit->position_error);
  EXPECT_LT(std::abs(fit->width - kWWidth), 4 * fit->width_error);
  EXPECT_LT(std::abs(fit->background_fraction - 0.25), 4 * fit->background_fraction_error);
}

TEST(PeakFitTest, EqualWeightsGiveSameFitAndErrors) {
  const std::vector<double> masses = BreitWignerSample(20000, 5, kWMass, kWWidth, 60, 100);
  PeakFitConfig cfg;
  cfg.lower_gev = 60;
  cfg.upper_gev = 100;
  absl::StatusOr<PeakFitResult> plain = FitPeak(masses, {}, cfg);
  absl::StatusOr<PeakFitResult> weighted = FitPeak(masses, std::vector<double>(masses.size(), 3.0), cfg);
  ASSERT_TRUE(plain.ok() && weighted.ok());
  EXPECT_NEAR(weighted->position, plain->position, 1e-4);
  EXPECT_NEAR(weighted->width, plain->width, 1e-4);
  EXPECT_NEAR(weighted->width_error / plain->width_error, 1.0, 1e-3);
}

TEST(PeakFitTest, RejectsBadConfiguration) {
  const std::vector<double> few = {1, 2, 3};
  EXPECT_EQ(FitPeak(few, {}).status().code(), absl::StatusCode::kInvalidArgument);
  PeakFitConfig cfg;
  cfg.bins = 2;
  EXPECT_EQ(FitPeak(std::vector<double>(100, 1.0), {}, cfg).status().code(), absl::StatusCode::kInvalidArgument);
  cfg = {};
  cfg.lower_gev = -5;
  cfg.upper_gev = 5;
  EXPECT_EQ(FitPeak(std::vector<double>(100, 1.0), {}, cfg).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FitPeak({1, 2}, {1}).status().code(), absl::StatusCode::kInvalidArgument);
}

// TwoBody builds a table of W -> p1 p2 decays (p1, p2 massless, W mass
// `mass`) with a recoiling p3 so that p1 + p2 + p3 balances in x and y.
Table TwoBodyWithRecoil(int64_t n, uint64_t seed, double mass, bool with_recoil) {
  std::vector<std::string> columns;
  for (const char* p : {"p1", "p2", "p3"}) {
    for (const char* c : {"_e_gev", "_px_gev", "_py_gev", "_pz_gev"}) columns.push_back(std::string(p) + c);
  }
  Table t(columns);
  for (int64_t r = 0; r < n; ++r) {
    CounterRng rng(seed, static_cast<uint64_t>(r));
    const FourVector w = FourVector::FromPtEtaPhiM(50 + 100 * rng.Uniform(), rng.Normal(),
                                                   kPi * (2 * rng.Uniform() - 1), mass);
    const double cos_theta = 2 * rng.Uniform() - 1, phi = kPi * (2 * rng.Uniform() - 1);
    const double sin_theta = std::sqrt(1 - cos_theta * cos_theta), p = mass / 2;
    const FourVector d1(p, p * sin_theta * std::cos(phi), p * sin_theta * std::sin(phi), p * cos_theta);
    const FourVector d2(p, -d1.px(), -d1.py(), -d1.pz());
    const FourVector p1 = d1.BoostToLabFrom(w), p2 = d2.BoostToLabFrom(w);
    const FourVector p3 = with_recoil ? FourVector::FromMomentumAndMass(-w.px(), -w.py(), 3 * rng.Normal(), 10)
                                      : FourVector::FromMomentumAndMass(w.px(), w.py(), 0, 10);
    std::vector<float> row;
    for (const FourVector& v : {p1, p2, p3}) {
      for (double x : {v.e(), v.px(), v.py(), v.pz()}) row.push_back(static_cast<float>(x));
    }
    t.AppendRow(row.data());
  }
  return t;
}

TEST(MomentumBalanceTest, BalancedEventsGiveZero) {
  const Table t = TwoBodyWithRecoil(2000, 3, kWMass, true);
  absl::StatusOr<MomentumBalanceResult> b = MomentumBalance(t, {"p1", "p2", "p3"});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->x.count, 2000);
  EXPECT_NEAR(b->x.mean, 0.0, 1e-6);
  EXPECT_LT(b->x.std, 1e-5);
  EXPECT_LT(b->y.std, 1e-5);
  for (double q : b->x.quantiles) EXPECT_NEAR(q, 0.0, 1e-5);
  ASSERT_EQ(b->balance_x.size(), 2000u);
}

TEST(MomentumBalanceTest, UnbalancedEventsAreNotZero) {
  // p3 runs along the W instead of against it.
  const Table t = TwoBodyWithRecoil(2000, 3, kWMass, false);
  absl::StatusOr<MomentumBalanceResult> b = MomentumBalance(t, {"p1", "p2", "p3"});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_GT(b->x.std, 0.3);
  EXPECT_GT(b->y.std, 0.3);
  // A subset of a balanced event is not balanced either.
  absl::StatusOr<MomentumBalanceResult> pair = MomentumBalance(TwoBodyWithRecoil(2000, 3, kWMass, true), {"p1", "p2"});
  ASSERT_TRUE(pair.ok());
  EXPECT_GT(pair->x.std, 0.3);
}

TEST(MomentumBalanceTest, HandValuesAndErrors) {
  Table t({"a_px_gev", "a_py_gev", "b_px_gev", "b_py_gev"});
  t.AppendRow({3.f, 1.f, -1.f, 1.f});  // b_x = 2 / 4, b_y = 1
  t.AppendRow({0.f, 2.f, 0.f, -2.f});  // b_x = 0 (no p_x), b_y = 0
  absl::StatusOr<MomentumBalanceResult> b = MomentumBalance(t, {"a", "b"}, {0.0, 1.0});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_DOUBLE_EQ(b->balance_x[0], 0.5);
  EXPECT_DOUBLE_EQ(b->balance_y[0], 1.0);
  EXPECT_DOUBLE_EQ(b->balance_x[1], 0.0);
  EXPECT_DOUBLE_EQ(b->x.mean, 0.25);
  EXPECT_DOUBLE_EQ(b->y.quantiles[1], 1.0);
  EXPECT_EQ(MomentumBalance(t, {"c"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MomentumBalance(t, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(GroupInvariantMassTest, RecoversTheDecayingMassAndFits) {
  const Table t = TwoBodyWithRecoil(20000, 9, kWMass, true);
  absl::StatusOr<std::vector<double>> m = GroupInvariantMass(t, {"p1", "p2"});
  ASSERT_TRUE(m.ok()) << m.status();
  for (size_t i = 0; i < 100; ++i) EXPECT_NEAR((*m)[i], kWMass, 1e-3 * kWMass);
  // A narrow Gaussian fit through the table interface finds the mass.
  PeakFitConfig cfg;
  cfg.shape = PeakShape::kGaussian;
  absl::StatusOr<PeakFitResult> fit = FitMassPeak(t, {"p1", "p2"}, cfg);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_NEAR(fit->position, kWMass, 1e-3 * kWMass);
}

// JetTable builds a jet table (event, jet, mass_gev, n_track) from rows.
Table JetTable(const std::vector<std::vector<float>>& rows) {
  Table t({"event", "jet", "mass_gev", "n_track"});
  for (const std::vector<float>& r : rows) t.AppendRow(r.data());
  return t;
}

TEST(JetMassSumTest, NTrackCutSelectsTheRightEvents) {
  const Table jets = JetTable({
      // event 0: jets 0..3 sum to 100, jet 4 is not leading; all n_track < 26.
      {0, 0, 10, 10}, {0, 1, 20, 12}, {0, 2, 30, 20}, {0, 3, 40, 25}, {0, 4, 1000, 50},
      // event 1: sum 200, jet 1 has n_track 30.
      {1, 0, 50, 10}, {1, 1, 50, 30}, {1, 2, 50, 10}, {1, 3, 50, 10},
      // event 2: three jets, sum 15 (rows out of order).
      {2, 2, 5, 5}, {2, 0, 5, 5}, {2, 1, 5, 5},
      // event 3: n_track exactly at the cut fails "< 26".
      {3, 0, 70, 26}, {3, 1, 80, 3},
  });
  JetMassSumConfig cfg;
  std::vector<double> weights;
  int64_t n_events = 0;
  absl::StatusOr<std::vector<double>> all = EventJetMassSums(jets, cfg, &weights, &n_events);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, (std::vector<double>{100, 200, 15, 150}));
  EXPECT_EQ(n_events, 4);
  cfg.max_n_track = 26;
  absl::StatusOr<std::vector<double>> cut = EventJetMassSums(jets, cfg, &weights, &n_events);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(*cut, (std::vector<double>{100, 15}));
  cfg.leading_jets = 2;
  cfg.max_n_track = 31;
  absl::StatusOr<std::vector<double>> two = EventJetMassSums(jets, cfg, &weights, &n_events);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, (std::vector<double>{30, 100, 10, 150}));

  cfg = {};
  cfg.max_n_track = 26;
  cfg.bin_edges_gev = {0, 50, 120, 300};
  absl::StatusOr<JetMassSumResult> r = JetMassSumRatio(jets, jets, cfg);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->reference_events, 4);
  EXPECT_EQ(r->reference_selected, 2);
  EXPECT_EQ(r->reference, (std::vector<double>{0.25, 0.25, 0.0}));
  EXPECT_DOUBLE_EQ(r->reference_error[0], 0.25);
  EXPECT_DOUBLE_EQ(r->ratio[0], 1.0);
  EXPECT_TRUE(std::isnan(r->ratio[2]));
}

// RandomJets builds n events of 3..6 jets with a mass falling in jet index
// and n_track ~ 10 + 30 u.
Table RandomJets(int64_t n, uint64_t seed) {
  Table t({"event", "jet", "mass_gev", "n_track"});
  for (int64_t e = 0; e < n; ++e) {
    CounterRng rng(seed, static_cast<uint64_t>(e));
    const int n_jets = 3 + static_cast<int>(4 * rng.Uniform());
    for (int j = 0; j < n_jets; ++j) {
      t.AppendRow({static_cast<float>(e), static_cast<float>(j),
                   static_cast<float>(150.0 / (1 + j) * (0.2 + rng.Uniform())),
                   static_cast<float>(10 + 30 * rng.Uniform())});
    }
  }
  return t;
}

TEST(JetMassSumTest, RatioIsOneWithinErrors) {
  JetMassSumConfig cfg;
  for (double edge = 0; edge <= 600; edge += 50) cfg.bin_edges_gev.push_back(edge);
  const Table reference = RandomJets(20000, 1);
  absl::StatusOr<JetMassSumResult> same = JetMassSumRatio(reference, reference, cfg);
  ASSERT_TRUE(same.ok()) << same.status();
  for (size_t b = 0; b < same->ratio.size(); ++b) {
    if (std::isnan(same->ratio[b])) continue;
    EXPECT_DOUBLE_EQ(same->ratio[b], 1.0);
    EXPECT_EQ(same->non_closure[b], 0.0);
    EXPECT_DOUBLE_EQ(same->symmetrized_error[b], same->ratio_error[b]);
  }
  // An independent sample of the same distribution, twice as large:
  // per-event normalisation makes the ratio 1 within its errors.
  cfg.max_n_track = 30;
  absl::StatusOr<JetMassSumResult> other = JetMassSumRatio(reference, RandomJets(40000, 2), cfg);
  ASSERT_TRUE(other.ok()) << other.status();
  int compared = 0;
  for (size_t b = 0; b < other->ratio.size(); ++b) {
    if (std::isnan(other->ratio[b]) || other->reference[b] * other->reference_events < 50) continue;
    ++compared;
    EXPECT_LT(std::abs(other->ratio[b] - 1), 4 * other->ratio_error[b]) << "bin " << b;
    EXPECT_GE(other->symmetrized_error[b], other->non_closure[b]);
  }
  EXPECT_GE(compared, 4);
  EXPECT_NEAR(static_cast<double>(other->generated_selected) / other->generated_events,
              static_cast<double>(other->reference_selected) / other->reference_events, 0.02);
}

// Dressed stacks `copies` copies of the jet table, as evgen sample K*N
// --conditions-from writes K dressings of N rows.
Table Dressed(const Table& jets, int copies) {
  Table out(jets.columns());
  for (int k = 0; k < copies; ++k) {
    for (int64_t r = 0; r < jets.num_rows(); ++r) out.AppendRow(jets.values().data() + r * jets.num_columns());
  }
  return out;
}

TEST(JetMassSumTest, DressingsAreAveragedAndShrinkTheGeneratedError) {
  JetMassSumConfig cfg;
  for (double edge = 0; edge <= 600; edge += 50) cfg.bin_edges_gev.push_back(edge);
  cfg.max_n_track = 30;
  const Table reference = RandomJets(5000, 1);
  cfg.generated_dressings = 3;
  absl::StatusOr<JetMassSumResult> three = JetMassSumRatio(reference, Dressed(reference, 3), cfg);
  ASSERT_TRUE(three.ok()) << three.status();
  EXPECT_EQ(three->generated_events, three->reference_events);
  EXPECT_EQ(three->generated_selected, 3 * three->reference_selected);
  int compared = 0;
  for (size_t b = 0; b < three->ratio.size(); ++b) {
    if (std::isnan(three->ratio[b]) || three->reference[b] == 0) continue;
    ++compared;
    EXPECT_NEAR(three->ratio[b], 1.0, 1e-12) << "bin " << b;
    EXPECT_NEAR(three->generated_error[b], three->reference_error[b] / std::sqrt(3.0), 1e-12) << "bin " << b;
  }
  EXPECT_GE(compared, 4);
  // Without the option the copies' jets merge into events of 12 leading
  // jets: the sums move to higher bins.
  cfg.generated_dressings = 1;
  absl::StatusOr<JetMassSumResult> merged = JetMassSumRatio(reference, Dressed(reference, 3), cfg);
  ASSERT_TRUE(merged.ok());
  EXPECT_NE(merged->ratio, three->ratio);
  // A table that is not K equal blocks is refused with the option named.
  cfg.generated_dressings = 3;
  Table odd = Dressed(reference, 3);
  odd.AppendRow({0.f, 0.f, 10.f, 10.f});
  const absl::Status refused = JetMassSumRatio(reference, odd, cfg).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("dressings = 3"), std::string::npos) << refused;
  // So is one whose blocks are not the same events in the same order.
  cfg.generated_dressings = 2;
  Table shuffled = Dressed(reference, 2);
  std::swap(shuffled.mutable_values()[0], shuffled.mutable_values()[(shuffled.num_rows() - 1) * shuffled.num_columns()]);
  const absl::Status mismatched = JetMassSumRatio(reference, shuffled, cfg).status();
  EXPECT_EQ(mismatched.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mismatched.message().find("not 2 dressings of the same events"), std::string::npos) << mismatched;
}

TEST(JetMassSumTest, RejectsBadInput) {
  const Table jets = JetTable({{0, 0, 10, 10}});
  JetMassSumConfig cfg;
  EXPECT_EQ(JetMassSumRatio(jets, jets, cfg).status().code(), absl::StatusCode::kInvalidArgument);
  cfg.bin_edges_gev = {10, 5};
  EXPECT_EQ(JetMassSumRatio(jets, jets, cfg).status().code(), absl::StatusCode::kInvalidArgument);
  cfg.bin_edges_gev = {0, 5};
  cfg.n_track_column = "ntrk";
  EXPECT_EQ(JetMassSumRatio(jets, jets, cfg).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evgen
