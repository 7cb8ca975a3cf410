#include "core/models/gan/gan_losses.h"

#include <cmath>
#include <vector>

#include "core/metrics/mmd.h"
#include "gtest/gtest.h"

namespace evgen {
namespace {

double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double Softplus(double x) { return std::log1p(std::exp(x)); }

// Leaf builds a float64 leaf tensor that records its gradient.
torch::Tensor Leaf(const std::vector<double>& v) {
  return torch::tensor(v, torch::kFloat64).requires_grad_(true);
}

double At(const torch::Tensor& t, int64_t i) { return t.reshape({-1})[i].item<double>(); }

class LossTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(1406); }
};

using GanLossTest = LossTest;
using WassersteinLossTest = LossTest;
using LsganLossTest = LossTest;
using GradientPenaltyTest = LossTest;
using RegularizedJsPenaltyTest = LossTest;
using Mmd2Test = LossTest;

TEST_F(GanLossTest, DiscriminatorLossAtZeroLogitsIsTwoLogTwo) {
  const torch::Tensor zeros = torch::zeros({5, 1});
  EXPECT_NEAR(GanDiscriminatorLoss(zeros, zeros).item<float>(), 2 * std::log(2.0), 1e-6);
}

TEST_F(GanLossTest, DiscriminatorLossValueAndGradient) {
  const std::vector<double> r = {0.5, -1.0, 3.0}, f = {2.0, -0.3};
  const torch::Tensor real = Leaf(r), fake = Leaf(f);
  const torch::Tensor loss = GanDiscriminatorLoss(real, fake);
  // -log sigmoid(l) = log(1 + e^-l), -log(1 - sigmoid(l)) = log(1 + e^l).
  double expected = 0;
  for (double l : r) expected += Softplus(-l) / 3;
  for (double l : f) expected += Softplus(l) / 2;
  EXPECT_NEAR(loss.item<double>(), expected, 1e-12);
  loss.backward();
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(At(real.grad(), i), -(1 - Sigmoid(r[i])) / 3, 1e-12);
  for (int i = 0; i < 2; ++i) EXPECT_NEAR(At(fake.grad(), i), Sigmoid(f[i]) / 2, 1e-12);
}

TEST_F(GanLossTest, LossesStayFiniteForExtremeLogits) {
  const torch::Tensor big = torch::full({4}, 200.0f), small = torch::full({4}, -200.0f);
  EXPECT_NEAR(GanDiscriminatorLoss(big, small).item<float>(), 0.0f, 1e-6);
  EXPECT_NEAR(GanDiscriminatorLoss(small, big).item<float>(), 400.0f, 1e-3);
  EXPECT_NEAR(GanGeneratorLoss(small).item<float>(), 200.0f, 1e-3);
}

TEST_F(GanLossTest, GeneratorLossGradientIsMinusOneMinusSigmoid) {
  const std::vector<double> f = {-2.0, 0.0, 1.5, 4.0};
  const torch::Tensor fake = Leaf(f);
  const torch::Tensor loss = GanGeneratorLoss(fake.reshape({4, 1}));
  double expected = 0;
  for (double l : f) expected += Softplus(-l) / 4;
  EXPECT_NEAR(loss.item<double>(), expected, 1e-12);
  loss.backward();
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(At(fake.grad(), i), -(1 - Sigmoid(f[i])) / 4, 1e-12);
}

TEST_F(WassersteinLossTest, CriticAndGeneratorLosses) {
  const torch::Tensor real = Leaf({1.0, 2.0, 6.0}), fake = Leaf({-1.0, 0.5});
  const torch::Tensor critic = WassersteinCriticLoss(real.reshape({3, 1}), fake.reshape({2, 1}));
  EXPECT_NEAR(critic.item<double>(), (-0.5 / 2) - (9.0 / 3), 1e-12);
  critic.backward();
  EXPECT_NEAR(At(real.grad(), 0), -1.0 / 3, 1e-12);
  EXPECT_NEAR(At(fake.grad(), 1), 1.0 / 2, 1e-12);
  const torch::Tensor fake2 = Leaf({-1.0, 0.5});
  const torch::Tensor generator = WassersteinGeneratorLoss(fake2);
  EXPECT_NEAR(generator.item<double>(), 0.25, 1e-12);
  generator.backward();
  EXPECT_NEAR(At(fake2.grad(), 0), -0.5, 1e-12);
}

TEST_F(LsganLossTest, DiscriminatorAndGeneratorWithTargets) {
  const double a = -1, b = 1, c = 0;
  const torch::Tensor real = Leaf({0.0, 3.0}), fake = Leaf({2.0, -1.0, 0.0});
  const torch::Tensor d = LsganDiscriminatorLoss(real, fake, a, b);
  // 1/2 <(D(real) - b)^2> + 1/2 <(D(fake) - a)^2> = 1/2 (1 + 4)/2 + 1/2 (9 + 0 + 1)/3.
  EXPECT_NEAR(d.item<double>(), 0.5 * 5 / 2 + 0.5 * 10 / 3, 1e-12);
  d.backward();
  EXPECT_NEAR(At(real.grad(), 1), (3.0 - b) / 2, 1e-12);
  EXPECT_NEAR(At(fake.grad(), 0), (2.0 - a) / 3, 1e-12);
  const torch::Tensor fake2 = Leaf({2.0, -1.0, 0.0});
  const torch::Tensor g = LsganGeneratorLoss(fake2, c);
  EXPECT_NEAR(g.item<double>(), 0.5 * 5 / 3, 1e-12);
  g.backward();
  EXPECT_NEAR(At(fake2.grad(), 0), (2.0 - c) / 3, 1e-12);
}

TEST_F(GradientPenaltyTest, LinearCriticGivesExactValueAndGradient) {
  // f(x) = w.x has gradient w everywhere, so the penalty is (|w| - 1)^2
  // whatever eps is, and d/dw = 2 (|w| - 1) w / |w|.
  const std::vector<double> wv = {0.5, 1.0, 2.0};
  const torch::Tensor w = Leaf(wv);
  const CriticFunction critic = [&w](const torch::Tensor& x) { return x.matmul(w); };
  const torch::Tensor real = torch::randn({6, 3}, torch::kFloat64);
  const torch::Tensor fake = torch::randn({6, 3}, torch::kFloat64);
  const torch::Tensor eps = torch::rand({6, 1}, torch::kFloat64);
  const torch::Tensor penalty = GradientPenalty(critic, real, fake, eps);
  const double norm = std::sqrt(0.25 + 1 + 4);
  EXPECT_NEAR(penalty.item<double>(), (norm - 1) * (norm - 1), 1e-9);
  penalty.backward();  // needs create_graph: the penalty depends on w only through the gradient
  ASSERT_TRUE(w.grad().defined());
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(At(w.grad(), i), 2 * (norm - 1) * wv[i] / norm, 1e-9);
}

TEST_F(GradientPenaltyTest, InterpolatesWithEpsPerRow) {
  // f(x) = |x|^2 has gradient 2 x, so the penalty reads x_hat back.
  const CriticFunction critic = [](const torch::Tensor& x) { return x.pow(2).sum(1); };
  const torch::Tensor real = torch::tensor({1.0, 0.0, 0.0, 2.0}, torch::kFloat64).reshape({2, 2});
  const torch::Tensor fake = torch::tensor({0.0, 3.0, 0.0, 0.0}, torch::kFloat64).reshape({2, 2});
  const torch::Tensor eps = torch::tensor({0.25, 0.5}, torch::kFloat64).reshape({2, 1});
  // x_hat = (0.25, 2.25) and (0, 1): |2 x_hat| = 2 sqrt(0.0625 + 5.0625) and 2.
  const double n0 = 2 * std::sqrt(0.0625 + 5.0625), n1 = 2;
  const double expected = ((n0 - 1) * (n0 - 1) + (n1 - 1) * (n1 - 1)) / 2;
  EXPECT_NEAR(GradientPenalty(critic, real, fake, eps).item<double>(), expected, 1e-9);
}

TEST_F(RegularizedJsPenaltyTest, LinearLogitMatchesHandFormula) {
  // phi(x) = w.x + c: grad phi = w, so the penalty is
  // |w|^2 [<(1 - sigmoid(phi))^2>_real + <sigmoid(phi)^2>_fake].
  const std::vector<double> wv = {0.3, -0.7};
  const torch::Tensor w = Leaf(wv);
  const torch::Tensor c = Leaf({0.2});
  const CriticFunction logit = [&](const torch::Tensor& x) { return x.matmul(w) + c; };
  const torch::Tensor real = torch::randn({5, 2}, torch::kFloat64);
  const torch::Tensor fake = torch::randn({4, 2}, torch::kFloat64);
  const auto formula = [&](const std::vector<double>& wp, double cp) {
    const auto phi = [&](const torch::Tensor& x, int i) {
      return wp[0] * x[i][0].item<double>() + wp[1] * x[i][1].item<double>() + cp;
    };
    double real_term = 0, fake_term = 0;
    for (int i = 0; i < 5; ++i) real_term += std::pow(1 - Sigmoid(phi(real, i)), 2) / 5;
    for (int i = 0; i < 4; ++i) fake_term += std::pow(Sigmoid(phi(fake, i)), 2) / 4;
    return (wp[0] * wp[0] + wp[1] * wp[1]) * (real_term + fake_term);
  };
  const torch::Tensor penalty = RegularizedJsPenalty(logit, real, fake);
  EXPECT_NEAR(penalty.item<double>(), formula(wv, 0.2), 1e-12);
  penalty.backward();
  // Central differences of the hand formula check the gradient for w and c.
  const double h = 1e-6;
  for (int i = 0; i < 2; ++i) {
    std::vector<double> up = wv, down = wv;
    up[i] += h;
    down[i] -= h;
    EXPECT_NEAR(At(w.grad(), i), (formula(up, 0.2) - formula(down, 0.2)) / (2 * h), 1e-7);
  }
  EXPECT_NEAR(At(c.grad(), 0), (formula(wv, 0.2 + h) - formula(wv, 0.2 - h)) / (2 * h), 1e-7);
}

// BruteForceMmd2 is the unbiased estimator written as explicit loops.
double BruteForceMmd2(const std::vector<double>& x, const std::vector<double>& y,
                      MmdLossKernel kernel, const std::vector<double>& widths) {
  const auto k = [&](double a, double b) {
    double sum = 0;
    for (double s : widths) {
      const double d2 = (a - b) * (a - b);
      sum +=
          kernel == MmdLossKernel::kGaussian ? std::exp(-d2 / (2 * s * s)) : s * s / (d2 + s * s);
    }
    return sum;
  };
  const double n = static_cast<double>(x.size()), m = static_cast<double>(y.size());
  double xx = 0, yy = 0, xy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    for (size_t j = 0; j < x.size(); ++j) {
      if (i != j) xx += k(x[i], x[j]);
    }
  }
  for (size_t i = 0; i < y.size(); ++i) {
    for (size_t j = 0; j < y.size(); ++j) {
      if (i != j) yy += k(y[i], y[j]);
    }
  }
  for (double a : x) {
    for (double b : y) xy += k(a, b);
  }
  return xx / (n * (n - 1)) + yy / (m * (m - 1)) - 2 * xy / (n * m);
}

TEST_F(Mmd2Test, MatchesBruteForceForBothKernelsAndTwoWidths) {
  const std::vector<double> x = {0.1, -0.4, 1.3, 2.0, 0.7, -1.1};
  const std::vector<double> y = {0.9, 1.5, 3.2, 0.0, 1.1};
  const std::vector<double> widths = {0.5, 2.0};
  for (MmdLossKernel kernel : {MmdLossKernel::kGaussian, MmdLossKernel::kBreitWigner}) {
    const double expected = BruteForceMmd2(x, y, kernel, widths);
    const torch::Tensor got =
        Mmd2(torch::tensor(x, torch::kFloat64), torch::tensor(y, torch::kFloat64), kernel, widths);
    EXPECT_NEAR(got.item<double>(), expected, 1e-12);
    EXPECT_GT(std::fabs(expected), 1e-3);  // the case is not trivially 0
  }
}

TEST_F(Mmd2Test, AgreesWithTheMetricsEstimatorForOneWidth) {
  const std::vector<double> x = {0.3, -1.2, 0.8, 2.4, 1.0, -0.2, 0.5};
  const std::vector<double> y = {1.4, 0.6, 2.9, 1.8};
  for (MmdKernel kernel : {MmdKernel::kGaussian, MmdKernel::kBreitWigner}) {
    MmdConfig config;
    config.kernel = kernel;
    config.sigma = 0.7;
    absl::StatusOr<FeatureMatrix> fx = MakeFeatureMatrix(7, 1, x);
    absl::StatusOr<FeatureMatrix> fy = MakeFeatureMatrix(4, 1, y);
    ASSERT_TRUE(fx.ok() && fy.ok());
    absl::StatusOr<double> metric = UnbiasedMmd2(*fx, *fy, config);
    ASSERT_TRUE(metric.ok()) << metric.status();
    const MmdLossKernel loss_kernel =
        kernel == MmdKernel::kGaussian ? MmdLossKernel::kGaussian : MmdLossKernel::kBreitWigner;
    const torch::Tensor loss = Mmd2(torch::tensor(x, torch::kFloat64),
                                    torch::tensor(y, torch::kFloat64), loss_kernel, {0.7});
    EXPECT_NEAR(loss.item<double>(), *metric, 1e-12);
  }
}

TEST_F(Mmd2Test, NearZeroForIdenticalSamplesPositiveForShiftedOnes) {
  const torch::Tensor x = torch::randn({2000});
  for (MmdLossKernel kernel : {MmdLossKernel::kGaussian, MmdLossKernel::kBreitWigner}) {
    EXPECT_NEAR(Mmd2(x, x, kernel, {0.5, 1.0}).item<float>(), 0.0f, 3e-3);
    EXPECT_NEAR(Mmd2(x, torch::randn({2000}), kernel, {0.5, 1.0}).item<float>(), 0.0f, 5e-3);
    EXPECT_GT(Mmd2(x, x + 1, kernel, {0.5, 1.0}).item<float>(), 0.1f);
  }
}

TEST_F(Mmd2Test, GradientFlowsToTheGeneratedSample) {
  const torch::Tensor x = torch::randn({50}, torch::kFloat64);
  const torch::Tensor y = (torch::randn({40}, torch::kFloat64) + 2).requires_grad_(true);
  Mmd2(x, y.reshape({40, 1}), MmdLossKernel::kGaussian, {1.0}).backward();
  ASSERT_TRUE(y.grad().defined());
  // Moving y towards x lowers the MMD: the mean gradient points up.
  EXPECT_GT(y.grad().sum().item<double>(), 0.0);
}

// BruteForceMmd2Rows: the unbiased estimator between points in d
// dimensions as explicit loops; `paired` leaves out k(x_i, y_i) as well.
double BruteForceMmd2Rows(const std::vector<std::vector<double>>& x, const std::vector<std::vector<double>>& y,
                          const std::vector<double>& widths, bool paired) {
  const auto k = [&](const std::vector<double>& a, const std::vector<double>& b) {
    double d2 = 0, sum = 0;
    for (size_t c = 0; c < a.size(); ++c) d2 += (a[c] - b[c]) * (a[c] - b[c]);
    for (double s : widths) sum += std::exp(-d2 / (2 * s * s));
    return sum;
  };
  const auto mean = [&](const auto& u, const auto& v, bool skip_diagonal) {
    double sum = 0, count = 0;
    for (size_t i = 0; i < u.size(); ++i) {
      for (size_t j = 0; j < v.size(); ++j) {
        if (skip_diagonal && i == j) continue;
        sum += k(u[i], v[j]);
        ++count;
      }
    }
    return sum / count;
  };
  return mean(x, x, true) + mean(y, y, true) - 2 * mean(x, y, paired);
}

torch::Tensor Rows(const std::vector<std::vector<double>>& rows) {
  std::vector<double> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return torch::tensor(flat, torch::kFloat64).reshape({static_cast<int64_t>(rows.size()), -1});
}

TEST_F(Mmd2Test, RowsMatchBruteForceInThreeDimensionsPairedOrNot) {
  const std::vector<std::vector<double>> x = {{0.1, -0.4, 1.3}, {2.0, 0.7, -1.1}, {0.3, 0.3, 0.9}, {-1.0, 1.2, 0.0}};
  // Each y near its x, as a generated jet near its real partner.
  const std::vector<std::vector<double>> y = {{0.3, -0.2, 1.1}, {1.8, 0.9, -1.0}, {0.6, 0.1, 1.2}, {-0.7, 1.0, 0.3}};
  const std::vector<double> widths = {0.5, 2.0};
  for (bool paired : {false, true}) {
    const double expected = BruteForceMmd2Rows(x, y, widths, paired);
    EXPECT_NEAR(Mmd2Rows(Rows(x), Rows(y), MmdLossKernel::kGaussian, widths, paired).item<double>(), expected, 1e-12)
        << "paired " << paired;
  }
  EXPECT_GT(std::fabs(BruteForceMmd2Rows(x, y, widths, true) - BruteForceMmd2Rows(x, y, widths, false)), 1e-3);
  // One column: the 1-D Mmd2.
  const torch::Tensor a = torch::randn({9, 1}, torch::kFloat64), b = torch::randn({7, 1}, torch::kFloat64) + 1;
  EXPECT_NEAR(Mmd2Rows(a, b, MmdLossKernel::kGaussian, {0.7}).item<double>(),
              Mmd2(a, b, MmdLossKernel::kGaussian, {0.7}).item<double>(), 1e-12);
}

// A generated point drawn beside its real partner (the same jet size and
// conditions) sits closer to it than to the others: the unpaired estimator
// then reads two samples of one distribution as closer than identical
// (negative), the paired one does not.
TEST_F(Mmd2Test, PairedRowsAreUnbiasedForPartneredSamples) {
  double unpaired = 0, paired = 0;
  const int repeats = 40;
  for (int r = 0; r < repeats; ++r) {
    const torch::Tensor shared = torch::randn({50, 4}, torch::kFloat64);
    const torch::Tensor x = shared + 0.5 * torch::randn({50, 4}, torch::kFloat64);
    const torch::Tensor y = shared + 0.5 * torch::randn({50, 4}, torch::kFloat64);
    unpaired += Mmd2Rows(x, y, MmdLossKernel::kGaussian, {1, 2}).item<double>() / repeats;
    paired += Mmd2Rows(x, y, MmdLossKernel::kGaussian, {1, 2}, true).item<double>() / repeats;
  }
  EXPECT_LT(unpaired, -0.01);
  EXPECT_NEAR(paired, 0, 0.004);
}

TEST(ClipParametersTest, ClampsEveryParameterIntoTheBox) {
  torch::nn::Linear linear(3, 2);
  const auto f32 = [](std::vector<float> v) { return torch::tensor(v, torch::kFloat32); };
  {
    torch::NoGradGuard no_grad;
    linear->weight.copy_(f32({0.005f, -0.5f, 2.0f, -0.01f, 0.0f, 0.3f}).reshape({2, 3}));
    linear->bias.copy_(f32({-7.0f, 0.002f}));
  }
  ClipParameters(*linear, 0.01);
  EXPECT_TRUE(torch::allclose(linear->weight,
                              f32({0.005f, -0.01f, 0.01f, -0.01f, 0.0f, 0.01f}).reshape({2, 3})));
  EXPECT_TRUE(torch::allclose(linear->bias, f32({-0.01f, 0.002f})));
  EXPECT_LE(linear->weight.abs().max().item<float>(), 0.01f);
  EXPECT_TRUE(linear->weight.requires_grad());
}

}  // namespace
}  // namespace evgen
