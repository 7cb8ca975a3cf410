#include "core/metrics/one_dim.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/metrics/metric_registry.h"
#include "core/random/counter_rng.h"
#include "gtest/gtest.h"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

std::vector<double> Normal(int64_t n, uint64_t seed, double mu) {
  std::vector<double> x(n);
  for (int64_t i = 0; i < n; ++i) x[i] = mu + CounterRng(seed, i).Normal();
  return x;
}

TEST(Wasserstein1Test, ShiftedGaussiansGiveTheShift) {
  for (double mu : {0.0, 0.3, 1.0, -2.0}) {
    auto w = Wasserstein1(Normal(200000, 1, 0), Normal(200000, 2, mu));
    ASSERT_TRUE(w.ok());
    // The estimator's noise is ~ 1 / sqrt(n) = 0.002.
    EXPECT_NEAR(*w, std::fabs(mu), 0.01) << mu;
  }
}

TEST(Wasserstein1Test, HandComputedWithWeights) {
  auto w = Wasserstein1({0, 1}, {0}, {1, 3});
  ASSERT_TRUE(w.ok());
  EXPECT_DOUBLE_EQ(*w, 0.75);
  auto bad = Wasserstein1({}, {1});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Wasserstein1({NAN}, {1}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KolmogorovSmirnovTest, SampleWithItselfIsZero) {
  const std::vector<double> x = Normal(5000, 3, 0);
  auto ks = KolmogorovSmirnov(x, x);
  ASSERT_TRUE(ks.ok());
  EXPECT_EQ(ks->statistic, 0);
  EXPECT_EQ(ks->p_value, 1);
  EXPECT_EQ(ks->effective_n, 2500);
  auto shifted = KolmogorovSmirnov(x, Normal(5000, 4, 0.5));
  ASSERT_TRUE(shifted.ok());
  EXPECT_LT(shifted->p_value, 1e-20);
}

TEST(OneDimTest, CompareColumnsAndRelativeMeans) {
  Table ref({"m", "pt"});
  Table gen({"m", "pt"});
  ref.AppendRow({89.262f, 1.f});
  ref.AppendRow({89.262f, 3.f});
  gen.AppendRow({85.795f, 2.f});
  auto rows = CompareColumns(ref, gen);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  // Table 1 of the multilepton GAN paper: m_ll 89.262 vs 85.795 -> 0.040.
  EXPECT_NEAR((*rows)[0].paper_relative_difference, 0.040, 5e-4);
  EXPECT_NEAR((*rows)[0].relative_mean_difference, (85.795 - 89.262) / 89.262, 1e-6);
  EXPECT_NEAR((*rows)[1].relative_mean_difference, 0, 1e-12);
  EXPECT_NEAR((*rows)[1].wasserstein1, 1, 1e-12);
  auto missing = CompareColumns(ref, gen, {"eta"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("eta"), std::string::npos);
  Table bad({"m", "pt"});
  bad.AppendRow({NAN, 1.f});
  auto nan = CompareColumns(ref, bad);
  EXPECT_EQ(nan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(nan.status().message().find("column m"), std::string::npos) << nan.status();
  EXPECT_EQ(CompareColumns(ref, Table({"m", "pt"})).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CorrelationTest, SpearmanOfMonotoneTransformIsOne) {
  Table t({"x", "exp_x", "neg_cube"});
  for (double x : Normal(2000, 5, 0)) {
    t.AppendRow({static_cast<float>(x), static_cast<float>(std::exp(x)),
                 static_cast<float>(-x * x * x)});
  }
  auto s = SpearmanCorrelation(t);
  ASSERT_TRUE(s.ok());
  EXPECT_NEAR(s->at(0, 1), 1, 1e-12);
  EXPECT_NEAR(s->at(0, 2), -1, 1e-12);
  auto p = PearsonCorrelation(t);
  ASSERT_TRUE(p.ok());
  EXPECT_LT(p->at(0, 1), 0.9);  // Pearson sees the non-linearity
  auto d = DiffCorrelations(*p, *s);
  ASSERT_TRUE(d.ok());
  EXPECT_GT(d->max_abs_difference, 0.1);
  EXPECT_NEAR(d->difference.at(0, 0), 0, 1e-12);
  EXPECT_EQ(SpearmanCorrelation(t, {"y"}).status().code(), absl::StatusCode::kInvalidArgument);
}

// --- Agreement with scipy -------------------------------------------------

bool HaveScipy() {
  return std::system("/usr/bin/python3 -c 'import scipy.stats, numpy' >/dev/null 2>&1") == 0;
}

// RunPython runs `script` with /usr/bin/python3 and returns what it prints.
std::string RunPython(const std::string& dir, const std::string& script) {
  const std::string path = dir + "/check.py";
  std::ofstream(path) << script;
  FILE* pipe = popen(("/usr/bin/python3 " + path + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  pclose(pipe);
  return out;
}

void WriteCsv(const std::string& path, const std::vector<double>& x) {
  std::ofstream out(path);
  out.precision(17);
  for (double v : x) out << v << "\n";
}

std::vector<double> ParseNumbers(const std::string& text) {
  std::istringstream in(text);
  std::vector<double> v;
  std::string token;
  while (in >> token) v.push_back(std::strtod(token.c_str(), nullptr));
  return v;
}

void ExpectRelative(double ours, double theirs, const std::string& what) {
  const double scale = std::max(std::fabs(theirs), 1e-300);
  EXPECT_LE(std::fabs(ours - theirs) / scale, 1e-6)
      << what << ": ours " << ours << ", scipy " << theirs;
}

class ScipyAgreementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveScipy()) GTEST_SKIP() << "/usr/bin/python3 cannot import scipy";
    dir_ = testing::FreshDir("one_dim_scipy");
    std::filesystem::create_directories(dir_);
  }
  std::string dir_;
};

TEST_F(ScipyAgreementTest, WassersteinAndKs) {
  struct Case {
    int64_t n1, n2;
    double shift;
    bool ties;
  };
  const std::vector<Case> cases = {{50, 50, 0.3, false},   {80, 61, 0.6, false},
                                   {120, 100, 1.5, false}, {700, 500, 0.1, true},
                                   {3000, 2000, 0.05, false}, {20000, 15000, 0.03, true},
                                   {30, 400, 2.0, false}};
  double worst = 0;
  for (size_t c = 0; c < cases.size(); ++c) {
    std::vector<double> u = Normal(cases[c].n1, 100 + c, 0);
    std::vector<double> v = Normal(cases[c].n2, 200 + c, cases[c].shift);
    if (cases[c].ties) {
      for (double& x : u) x = std::round(x * 10) / 10;
      for (double& x : v) x = std::round(x * 10) / 10;
    }
    std::vector<double> wu(u.size());
    std::vector<double> wv(v.size());
    for (size_t i = 0; i < wu.size(); ++i) wu[i] = 0.5 + CounterRng(300 + c, i).Uniform();
    for (size_t i = 0; i < wv.size(); ++i) wv[i] = 0.5 + CounterRng(400 + c, i).Uniform();
    WriteCsv(dir_ + "/u.csv", u);
    WriteCsv(dir_ + "/v.csv", v);
    WriteCsv(dir_ + "/wu.csv", wu);
    WriteCsv(dir_ + "/wv.csv", wv);
    const std::string out = RunPython(dir_, "import numpy as np, scipy.stats as st\n"
                                            "d='" + dir_ + "/'\n"
                                            "u,v,wu,wv=[np.loadtxt(d+f+'.csv') for f in ('u','v','wu','wv')]\n"
                                            "r=st.ks_2samp(u,v,method='asymp')\n"
                                            "print(repr(st.wasserstein_distance(u,v)),"
                                            "repr(st.wasserstein_distance(u,v,wu,wv)),"
                                            "repr(float(r.statistic)),repr(float(r.pvalue)))\n");
    const std::vector<double> want = ParseNumbers(out);
    ASSERT_EQ(want.size(), 4u) << out;
    auto w = Wasserstein1(u, v);
    auto ww = Wasserstein1(u, v, wu, wv);
    auto ks = KolmogorovSmirnov(u, v);
    ASSERT_TRUE(w.ok() && ww.ok() && ks.ok());
    const std::string name = "case " + std::to_string(c);
    ExpectRelative(*w, want[0], name + " W1");
    ExpectRelative(*ww, want[1], name + " weighted W1");
    ExpectRelative(ks->statistic, want[2], name + " KS D");
    ExpectRelative(ks->p_value, want[3], name + " KS p");
    worst = std::max({worst, std::fabs(*w - want[0]) / want[0], std::fabs(*ww - want[1]) / want[1],
                      std::fabs(ks->statistic - want[2]) / want[2],
                      std::fabs(ks->p_value - want[3]) / std::max(want[3], 1e-300)});
  }
  std::printf("[ scipy ] worst relative difference, W1 and KS: %.3g\n", worst);
}

TEST_F(ScipyAgreementTest, KolmogorovSurvivalGrid) {
  const std::vector<int64_t> ns = {1, 2, 3, 5, 10, 25, 60, 140, 141, 500, 1200, 5000, 100000, 100001, 400000};
  const std::vector<double> ds = {0.0005, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1,
                                  0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.8, 0.95};
  std::string script = "import scipy.stats as st\n";
  for (int64_t n : ns) {
    for (double d : ds) {
      script += "print(repr(float(st.kstwo.sf(" + std::to_string(d) + "," + std::to_string(n) + "))))\n";
    }
  }
  const std::vector<double> want = ParseNumbers(RunPython(dir_, script));
  ASSERT_EQ(want.size(), ns.size() * ds.size());
  double worst = 0;
  size_t k = 0;
  for (int64_t n : ns) {
    for (double d : ds) {
      const double ours = KolmogorovSurvival(n, std::stod(std::to_string(d)));
      const double theirs = want[k++];
      if (theirs < 1e-280) {  // deep tail: scipy itself stops resolving
        EXPECT_LT(ours, 1e-250) << "n " << n << " d " << d;
        continue;
      }
      ExpectRelative(ours, theirs, "kstwo.sf n " + std::to_string(n) + " d " + std::to_string(d));
      worst = std::max(worst, std::fabs(ours - theirs) / theirs);
    }
  }
  std::printf("[ scipy ] worst relative difference, kstwo.sf grid: %.3g\n", worst);
}

TEST_F(ScipyAgreementTest, PearsonAndSpearman) {
  Table t({"a", "b", "c", "d"});
  const std::vector<double> x = Normal(3000, 7, 0);
  const std::vector<double> y = Normal(3000, 8, 0);
  for (size_t i = 0; i < x.size(); ++i) {
    t.AppendRow({static_cast<float>(x[i]), static_cast<float>(x[i] + 0.5 * y[i]),
                 static_cast<float>(std::round(3 * y[i])),  // many ties
                 static_cast<float>(std::exp(x[i]) - y[i])});
  }
  {
    std::ofstream out(dir_ + "/t.csv");
    out.precision(17);
    for (int64_t r = 0; r < t.num_rows(); ++r) {
      for (int c = 0; c < 4; ++c) out << (c ? "," : "") << static_cast<double>(t.at(r, c));
      out << "\n";
    }
  }
  const std::string out = RunPython(dir_, "import numpy as np, scipy.stats as st\n"
                                          "x=np.loadtxt('" + dir_ + "/t.csv',delimiter=',')\n"
                                          "for m in (np.corrcoef(x.T), st.spearmanr(x).correlation):\n"
                                          "  print(' '.join(repr(float(v)) for v in m.ravel()))\n");
  const std::vector<double> want = ParseNumbers(out);
  ASSERT_EQ(want.size(), 32u) << out;
  auto p = PearsonCorrelation(t);
  auto s = SpearmanCorrelation(t);
  ASSERT_TRUE(p.ok() && s.ok());
  double worst = 0;
  for (int i = 0; i < 16; ++i) {
    ExpectRelative(p->values[i], want[i], "pearson " + std::to_string(i));
    ExpectRelative(s->values[i], want[16 + i], "spearman " + std::to_string(i));
    worst = std::max({worst, std::fabs(p->values[i] - want[i]) / std::fabs(want[i]),
                      std::fabs(s->values[i] - want[16 + i]) / std::fabs(want[16 + i])});
  }
  std::printf("[ scipy ] worst relative difference, correlations: %.3g\n", worst);
}

// Timing on 10^6 events x 8 features; run with --gtest_also_run_disabled_tests.
TEST(OneDimTiming, DISABLED_MillionEventsEightFeatures) {
  const int64_t n = 1000000;
  std::vector<std::string> names;
  for (int c = 0; c < 8; ++c) names.push_back("f" + std::to_string(c));
  Table ref(names);
  Table gen(names);
  ref.Reserve(n);
  gen.Reserve(n);
  std::vector<float> row(8);
  for (int64_t r = 0; r < n; ++r) {
    CounterRng a(1, r), b(2, r);
    for (int c = 0; c < 8; ++c) row[c] = static_cast<float>(a.Normal());
    ref.AppendRow(row.data());
    for (int c = 0; c < 8; ++c) row[c] = static_cast<float>(0.05 * c + b.Normal());
    gen.AppendRow(row.data());
  }
  const auto start = std::chrono::steady_clock::now();
  auto rows = CompareColumns(ref, gen);
  const auto mid = std::chrono::steady_clock::now();
  auto pr = PearsonCorrelation(ref);
  auto pg = PearsonCorrelation(gen);
  auto sr = SpearmanCorrelation(ref);
  auto sg = SpearmanCorrelation(gen);
  auto d1 = DiffCorrelations(*pg, *pr);
  auto d2 = DiffCorrelations(*sg, *sr);
  const auto end = std::chrono::steady_clock::now();
  ASSERT_TRUE(rows.ok() && d1.ok() && d2.ok());
  std::printf("[ timing ] 1e6 x 8: W1+KS+means %.2f s, Pearson+Spearman (both tables) %.2f s\n",
              std::chrono::duration<double>(mid - start).count(),
              std::chrono::duration<double>(end - mid).count());
}

// Metrics that draw or correlate rows without weights say so for weighted
// tables instead of ignoring the weights silently (issue 12).
TEST(WeightedInputTest, MetricsThatIgnoreWeightsWarn) {
  Table reference({"x", "y"}), candidate({"x", "y"});
  for (int i = 0; i < 40; ++i) {
    reference.AppendRow({static_cast<float>(i), static_cast<float>(i % 7)});
    candidate.AppendRow({static_cast<float>(i) + 0.5f, static_cast<float>(i % 5)});
  }
  std::vector<float> weights(40, 2.f);
  ASSERT_TRUE(candidate.SetWeights(weights).ok());
  auto warned = [&](const std::string& metric, const std::map<std::string, std::string>& options,
                    const Table& cand) {
    absl::StatusOr<MetricOutcome> out = ComputeMetric(metric, options, reference, cand, 1);
    EXPECT_TRUE(out.ok()) << metric << ": " << out.status();
    bool found = false;
    if (out.ok()) {
      for (const std::string& w : out->warnings) found |= w.find("event weights are ignored") != std::string::npos;
    }
    return found;
  };
  EXPECT_TRUE(warned("correlations", {}, candidate));
  // Batched W1 draws rows uniformly; the unbatched default weighs them.
  EXPECT_TRUE(warned("wasserstein-1", {{"num_batches", "5"}, {"num_eval_samples", "20"}}, candidate));
  EXPECT_FALSE(warned("wasserstein-1", {}, candidate));
  EXPECT_FALSE(warned("correlations", {}, reference));  // unweighted tables
}

}  // namespace
}  // namespace evgen
