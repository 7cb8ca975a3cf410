#include "core/physics/drell_yan.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/physics/drell_yan_internal.h"
#include "core/physics/four_vector.h"
#include "gtest/gtest.h"

// The fits below are the ones defined in docs/physics.md
// ("Drell-Yan", "The CMS 2011 yardstick"): the same code fits the real CMS
// data and the simulation.

namespace evgen {
namespace {

constexpr double kMz = 91.1876;
constexpr double kGammaZ = 2.4952;

// GaussianCoreFit: histogram M in 0.25 GeV bins on [60, 120); start at the
// fullest bin with sigma = 2.5 GeV; then repeat, until it moves by less than
// 1e-7 GeV: fit ln(n_i) = a + b t + c t^2 (t = M_i - mu) by least squares with
// weights n_i (the inverse variance of ln n_i) over the bins whose centres
// lie within mu +- 1.5 sigma, and set mu -= b / 2c, sigma = sqrt(-1 / 2c).
struct CoreFitResult {
  double mu = 0, sigma = 0;
};
CoreFitResult GaussianCoreFit(const std::vector<double>& masses) {
  constexpr double kLo = 60, kBin = 0.25;
  constexpr int kBins = 240;
  std::vector<double> h(kBins, 0.0);
  for (double m : masses) {
    if (m >= kLo && m < kLo + kBins * kBin) h[static_cast<int>((m - kLo) / kBin)] += 1;
  }
  const int fullest = static_cast<int>(std::max_element(h.begin(), h.end()) - h.begin());
  CoreFitResult fit{kLo + (fullest + 0.5) * kBin, 2.5};
  for (int iteration = 0; iteration < 200; ++iteration) {
    double s[3][4] = {};
    for (int j = 0; j < kBins; ++j) {
      const double t = kLo + (j + 0.5) * kBin - fit.mu;
      if (std::abs(t) > 1.5 * fit.sigma || h[j] <= 0) continue;
      const double v[3] = {1, t, t * t};
      for (int a = 0; a < 3; ++a) {
        s[a][3] += h[j] * v[a] * std::log(h[j]);
        for (int b = 0; b < 3; ++b) s[a][b] += h[j] * v[a] * v[b];
      }
    }
    for (int c = 0; c < 3; ++c) {  // Gauss-Jordan on the 3x3 normal equations
      for (int r = 0; r < 3; ++r) {
        if (r == c) continue;
        const double f = s[r][c] / s[c][c];
        for (int q = 0; q < 4; ++q) s[r][q] -= f * s[c][q];
      }
    }
    const double b = s[1][3] / s[1][1], c = s[2][3] / s[2][2];
    const CoreFitResult next{fit.mu - b / (2 * c), std::sqrt(-1 / (2 * c))};
    const bool converged =
        std::abs(next.mu - fit.mu) < 1e-7 && std::abs(next.sigma - fit.sigma) < 1e-7;
    fit = next;
    if (converged) break;
  }
  return fit;
}

// NelderMead minimises f from x0 with initial steps `step`.
template <size_t N>
std::array<double, N> NelderMead(const std::function<double(const std::array<double, N>&)>& f,
                                 std::array<double, N> x0, const std::array<double, N>& step) {
  std::array<std::array<double, N>, N + 1> p;
  std::array<double, N + 1> y;
  for (size_t i = 0; i <= N; ++i) {
    p[i] = x0;
    if (i > 0) p[i][i - 1] += step[i - 1];
    y[i] = f(p[i]);
  }
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::array<size_t, N + 1> order;
    for (size_t i = 0; i <= N; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return y[a] < y[b]; });
    const size_t best = order[0], worst = order[N], second = order[N - 1];
    if (std::abs(y[worst] - y[best]) < 1e-10 * (1 + std::abs(y[best]))) break;
    std::array<double, N> centroid{};
    for (size_t i = 0; i <= N; ++i) {
      if (i == worst) continue;
      for (size_t k = 0; k < N; ++k) centroid[k] += p[i][k] / N;
    }
    auto along = [&](double t) {
      std::array<double, N> x;
      for (size_t k = 0; k < N; ++k) x[k] = centroid[k] + t * (p[worst][k] - centroid[k]);
      return x;
    };
    const auto reflected = along(-1);
    const double y_reflected = f(reflected);
    if (y_reflected < y[best]) {
      const auto expanded = along(-2);
      const double y_expanded = f(expanded);
      if (y_expanded < y_reflected) {
        p[worst] = expanded, y[worst] = y_expanded;
      } else {
        p[worst] = reflected, y[worst] = y_reflected;
      }
    } else if (y_reflected < y[second]) {
      p[worst] = reflected, y[worst] = y_reflected;
    } else {
      const auto contracted = along(0.5);
      const double y_contracted = f(contracted);
      if (y_contracted < y[worst]) {
        p[worst] = contracted, y[worst] = y_contracted;
      } else {
        for (size_t i = 0; i <= N; ++i) {
          if (i == best) continue;
          for (size_t k = 0; k < N; ++k) p[i][k] = p[best][k] + 0.5 * (p[i][k] - p[best][k]);
          y[i] = f(p[i]);
        }
      }
    }
  }
  size_t best = 0;
  for (size_t i = 1; i <= N; ++i) {
    if (y[i] < y[best]) best = i;
  }
  return p[best];
}

// BreitWignerFit: binned Poisson likelihood fit, 0.1 GeV bins on
// [m_Z - 3 Gamma_Z, m_Z + 3 Gamma_Z], of
//   n(M) = N exp(lambda (M - 91)) / ((M^2 - m^2)^2 + m^2 Gamma^2),
// the relativistic Breit-Wigner times an exponential for the luminosity
// slope. Returns {m, Gamma}.
std::array<double, 2> BreitWignerFit(const std::vector<double>& masses) {
  constexpr double kLo = kMz - 3 * kGammaZ, kHi = kMz + 3 * kGammaZ, kBin = 0.1;
  const int bins = static_cast<int>((kHi - kLo) / kBin);
  std::vector<double> h(bins, 0.0);
  for (double m : masses) {
    if (m >= kLo && m < kLo + bins * kBin) h[static_cast<int>((m - kLo) / kBin)] += 1;
  }
  const double peak = *std::max_element(h.begin(), h.end());
  auto nll = [&](const std::array<double, 4>& x) {
    const double m = x[0], g = std::abs(x[1]), norm = std::exp(x[2]), slope = x[3];
    double sum = 0;
    for (int j = 0; j < bins; ++j) {
      const double c = kLo + (j + 0.5) * kBin;
      const double mu = norm * peak * m * m * g * g * std::exp(slope * (c - 91)) /
                        ((c * c - m * m) * (c * c - m * m) + m * m * g * g);
      sum += mu - h[j] * std::log(mu);
    }
    return sum;
  };
  const auto x = NelderMead<4>(nll, {90.5, 3.0, 0.0, 0.0}, {0.5, 0.5, 0.2, 0.02});
  return {x[0], std::abs(x[1])};
}

// CmsMasses reads column M of the CMS table with a minimal CSV parse (the
// table's text columns Type1/Type2 keep it out of evgen's numeric reader).
std::vector<double> CmsMasses(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<double> masses;
  if (!std::getline(in, line)) return masses;
  int column = -1, index = 0;
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) {
    if (!name.empty() && name.back() == '\r') name.pop_back();
    if (name == "M") column = index;
    ++index;
  }
  if (column < 0) return masses;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string field;
    for (int i = 0; i <= column && std::getline(fields, field, ','); ++i) {
    }
    if (!field.empty()) masses.push_back(std::strtod(field.c_str(), nullptr));
  }
  return masses;
}

std::vector<double> Column(const Table& t, const std::string& name) {
  const int c = *t.ColumnIndex(name);
  std::vector<double> v;
  v.reserve(t.num_rows());
  for (int64_t r = 0; r < t.num_rows(); ++r) v.push_back(t.at(r, c));
  return v;
}

TEST(DrellYanTest, ColumnsAreTheCmsDimuonColumns) {
  const std::vector<std::string> expected = {"E1",   "px1",  "py1",  "pz1", "pt1", "eta1",
                                             "phi1", "Q1",   "E2",   "px2", "py2", "pz2",
                                             "pt2",  "eta2", "phi2", "Q2",  "M"};
  EXPECT_EQ(DrellYanColumns(), expected);
  auto t = GenerateDrellYan(10, 1, {});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->columns(), expected);
  EXPECT_EQ(t->num_rows(), 10);
}

// The yardstick of issue 3: at 7 TeV with the CMS selection the simulated
// dimuon peak matches the real CMS 2011 Z->mumu peak within 0.5 GeV in
// position and 20% in width, both from GaussianCoreFit.
TEST(DrellYanTest, ReproducesTheCms2011ZPeak) {
  const char* shared = std::getenv("EVGEN_SHARED_DATA");
  const std::string path = std::string(shared ? shared : "../shared/data") +
                           "/cms-dilepton-2011/Zmumu_Run2011A_masses.csv";
  const std::vector<double> data = CmsMasses(path);
  if (data.empty()) GTEST_SKIP() << "CMS data not found at " << path;
  ASSERT_EQ(data.size(), 10851u);
  auto t = GenerateDrellYan(100000, 2011, {{"sqrt_s_gev", 7000}, {"cms_selection", 1}});
  ASSERT_TRUE(t.ok()) << t.status();
  const CoreFitResult fit_data = GaussianCoreFit(data);
  const CoreFitResult fit_sim = GaussianCoreFit(Column(*t, "M"));
  RecordProperty("data_mu", std::to_string(fit_data.mu));
  RecordProperty("data_sigma", std::to_string(fit_data.sigma));
  RecordProperty("sim_mu", std::to_string(fit_sim.mu));
  RecordProperty("sim_sigma", std::to_string(fit_sim.sigma));
  // The fit itself is sane on the data (mu 90.88, sigma 1.93 GeV).
  EXPECT_NEAR(fit_data.mu, 90.9, 0.3);
  EXPECT_NEAR(fit_data.sigma, 1.93, 0.2);
  EXPECT_NEAR(fit_sim.mu, fit_data.mu, 0.5);
  EXPECT_NEAR(fit_sim.sigma / fit_data.sigma, 1.0, 0.2);
}

TEST(DrellYanTest, CmsSelectionIsApplied) {
  auto t = GenerateDrellYan(20000, 5, {{"sqrt_s_gev", 7000}, {"cms_selection", 1}});
  ASSERT_TRUE(t.ok()) << t.status();
  for (int64_t r = 0; r < t->num_rows(); ++r) {
    const float* v = t->row(r);
    ASSERT_GT(v[4], 6.f);
    ASSERT_GT(v[12], 6.f);
    ASSERT_LT(std::abs(v[5]), 2.4f);
    ASSERT_LT(std::abs(v[13]), 2.4f);
    ASSERT_GT(v[16], 60.f);
    ASSERT_LT(v[16], 120.f);
  }
}

// Truth level (before radiation and smearing) at 13 TeV: the Breit-Wigner
// fit recovers m_Z and Gamma_Z within 2%.
TEST(DrellYanTest, TruthPeakRecoversZMassAndWidth) {
  auto truth = drell_yan_internal::GenerateDrellYanTruth(300000, 13, {});
  ASSERT_TRUE(truth.ok()) << truth.status();
  std::vector<double> masses;
  for (const auto& e : *truth) {
    masses.push_back(e.mass_gev);
    ASSERT_NEAR((e.mu_minus + e.mu_plus).Mass(), e.mass_gev, 1e-6 * e.mass_gev);
    ASSERT_NEAR((e.mu_minus + e.mu_plus).Pt(), e.pt_gev, 1e-6 * (1 + e.pt_gev));
    ASSERT_GE(e.mass_gev, 60);
    ASSERT_LE(e.mass_gev, 120);
  }
  const auto fit = BreitWignerFit(masses);
  RecordProperty("fit_mass", std::to_string(fit[0]));
  RecordProperty("fit_width", std::to_string(fit[1]));
  EXPECT_NEAR(fit[0], kMz, 0.02 * kMz);
  EXPECT_NEAR(fit[1], kGammaZ, 0.02 * kGammaZ);
  // Tighter than the issue asks: the fit's statistical error is ~0.5%.
  EXPECT_NEAR(fit[0], kMz, 0.05);
}

TEST(DrellYanTest, ColumnsAreConsistent) {
  auto t = GenerateDrellYan(20000, 99, {});
  ASSERT_TRUE(t.ok()) << t.status();
  for (int64_t r = 0; r < t->num_rows(); ++r) {
    const float* v = t->row(r);
    ASSERT_EQ(v[7] * v[15], -1.f) << "row " << r;  // opposite charges
    const FourVector mu1(v[0], v[1], v[2], v[3]), mu2(v[8], v[9], v[10], v[11]);
    const double m = (mu1 + mu2).Mass();
    ASSERT_NEAR(v[16], m, 2e-4 * m) << "row " << r;
    ASSERT_GT(v[16], 60.f);
    ASSERT_LT(v[16], 120.f);
    for (const int o : {0, 8}) {
      const FourVector mu(v[o], v[o + 1], v[o + 2], v[o + 3]);
      ASSERT_NEAR(v[o + 4], mu.Pt(), 1e-5 * mu.Pt());
      ASSERT_NEAR(v[o + 5], mu.Eta(), 1e-4);
      ASSERT_NEAR(DeltaPhi(v[o + 6], mu.Phi()), 0.0, 1e-5);
    }
  }
}

TEST(DrellYanTest, SmearedPeakAt13TeVStaysAtTheZ) {
  auto t = GenerateDrellYan(100000, 21, {});
  ASSERT_TRUE(t.ok()) << t.status();
  const CoreFitResult fit = GaussianCoreFit(Column(*t, "M"));
  RecordProperty("core_mu", std::to_string(fit.mu));
  RecordProperty("core_sigma", std::to_string(fit.sigma));
  EXPECT_NEAR(fit.mu, kMz, 0.5);
  EXPECT_GT(fit.sigma, 1.5);
  EXPECT_LT(fit.sigma, 3.0);
}

TEST(DrellYanTest, SeedsReproduceAndRowsDoNotDependOnCount) {
  const SimulatorOptions options = {{"sqrt_s_gev", 7000}, {"cms_selection", 1}};
  auto a = GenerateDrellYan(500, 3, options);
  auto b = GenerateDrellYan(500, 3, options);
  auto c = GenerateDrellYan(50, 3, options);
  auto other = GenerateDrellYan(500, 4, options);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && other.ok());
  EXPECT_EQ(a->values(), b->values());
  EXPECT_NE(a->values(), other->values());
  const std::vector<float> head(a->values().begin(), a->values().begin() + 50 * 17);
  EXPECT_EQ(head, c->values());
}

TEST(DrellYanTest, MassWindowOption) {
  auto t = GenerateDrellYan(5000, 8, {{"mass_min_gev", 150}, {"mass_max_gev", 400}});
  ASSERT_TRUE(t.ok()) << t.status();
  for (double m : Column(*t, "M")) {
    ASSERT_GT(m, 150);
    ASSERT_LT(m, 400);
  }
}

// truth=1 appends the generator-level pair and changes nothing else: the
// detector columns are the same rows as with truth=0 (so the default output
// and the golden samples stay as they were).
TEST(DrellYanTest, TruthOptionAppendsGeneratorLevelColumns) {
  const SimulatorOptions detector = {{"sqrt_s_gev", 7000}, {"cms_selection", 1}};
  SimulatorOptions with_truth = detector;
  with_truth["truth"] = 1;
  auto plain = GenerateDrellYan(3000, 17, detector);
  auto paired = GenerateDrellYan(3000, 17, with_truth);
  ASSERT_TRUE(plain.ok() && paired.ok()) << plain.status() << paired.status();
  std::vector<std::string> expected = DrellYanColumns();
  for (const std::string& c : DrellYanTruthColumns()) expected.push_back(c);
  ASSERT_EQ(paired->columns(), expected);
  ASSERT_EQ(DrellYanTruthColumns(), (std::vector<std::string>{"pt1_gen", "eta1_gen", "phi1_gen", "pt2_gen",
                                                              "eta2_gen", "phi2_gen", "M_gen"}));
  ASSERT_EQ(paired->num_rows(), plain->num_rows());
  const int n_det = static_cast<int>(DrellYanColumns().size());
  int radiated = 0;
  for (int64_t r = 0; r < paired->num_rows(); ++r) {
    const float* d = plain->row(r);
    const float* t = paired->row(r);
    for (int c = 0; c < n_det; ++c) ASSERT_EQ(t[c], d[c]) << "row " << r << " column " << c;
    const float* gen = t + n_det;
    // The smearing keeps the angles, so the detector muon i is the truth muon i.
    for (const int m : {0, 1}) {
      ASSERT_NEAR(gen[3 * m + 1], d[8 * m + 5], 1e-5) << "row " << r;
      ASSERT_NEAR(DeltaPhi(gen[3 * m + 2], d[8 * m + 6]), 0.0, 1e-5) << "row " << r;
      // Reconstructed pT / truth pT: a few percent of smearing, or less
      // after a photon took part of the momentum.
      const double ratio = d[8 * m + 4] / gen[3 * m];
      ASSERT_GT(ratio, 0.0);
      ASSERT_LT(ratio, 1.25) << "row " << r;
      if (ratio < 0.9) ++radiated;
    }
    const FourVector mu1 = FourVector::FromPtEtaPhiM(gen[0], gen[1], gen[2], 0.10566);
    const FourVector mu2 = FourVector::FromPtEtaPhiM(gen[3], gen[4], gen[5], 0.10566);
    ASSERT_NEAR((mu1 + mu2).Mass(), gen[6], 1e-4 * gen[6]) << "row " << r;
  }
  // Radiation beyond 10% of the momentum is a few percent of the muons.
  EXPECT_GT(radiated, 0);
  EXPECT_LT(radiated, paired->num_rows() * 2 / 10);
  auto again = GenerateDrellYan(3000, 17, with_truth);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->values(), paired->values());
}

TEST(DrellYanTest, RejectsInvalidArguments) {
  auto expect_invalid = [](int64_t n, const SimulatorOptions& options, const std::string& name) {
    auto t = GenerateDrellYan(n, 1, options);
    ASSERT_FALSE(t.ok()) << name;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find(name), std::string::npos) << t.status();
  };
  expect_invalid(0, {}, "n_events");
  expect_invalid(100'000'001, {}, "n_events");
  expect_invalid(10, {{"sqrt_s_gev", 50}}, "options.sqrt_s_gev");
  expect_invalid(10, {{"cms_selection", 0.5}}, "options.cms_selection");
  expect_invalid(10, {{"cms_selection", 2}}, "options.cms_selection");
  expect_invalid(10, {{"truth", 0.5}}, "options.truth");
  expect_invalid(10, {{"truth", -1}}, "options.truth");
  expect_invalid(10, {{"mass_min_gev", 0.1}}, "options.mass_min_gev");
  expect_invalid(10, {{"mass_min_gev", 100}, {"mass_max_gev", 90}}, "options.mass_max_gev");
  expect_invalid(10, {{"sqrt_s_gev", 1000}, {"mass_max_gev", 300}}, "options.mass_max_gev");
  expect_invalid(10, {{"cms_selection", 1}, {"mass_min_gev", 130}, {"mass_max_gev", 200}},
                 "options.mass_min_gev");
  auto truth = drell_yan_internal::GenerateDrellYanTruth(0, 1, {});
  EXPECT_EQ(truth.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace evgen
