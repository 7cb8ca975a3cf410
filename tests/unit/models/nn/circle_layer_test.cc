#include "core/models/nn/circle_layer.h"

#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "core/physics/constants.h"
#include "gtest/gtest.h"

namespace evgen {
namespace {

using physics::kPi;

class CircleLayerTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(2019); }
};

using CircleLinearTest = CircleLayerTest;
using CircleMlpTest = CircleLayerTest;

TEST_F(CircleLinearTest, MatchesDirectComplexArithmetic) {
  CircleLinear layer(3, 2);
  const torch::Tensor x = torch::randn({4, 3});
  const torch::Tensor y = layer->forward(x);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{4, 2}));
  const auto theta = layer->theta.accessor<float, 2>();
  const auto phi = layer->phi.accessor<float, 1>();
  const auto xs = x.accessor<float, 2>();
  for (int64_t b = 0; b < 4; ++b) {
    for (int64_t n = 0; n < 2; ++n) {
      std::complex<double> z = std::polar(1.0, static_cast<double>(phi[n]));
      for (int64_t m = 0; m < 3; ++m) {
        z += static_cast<double>(xs[b][m]) * std::polar(1.0, static_cast<double>(theta[n][m]));
      }
      EXPECT_NEAR(y[b][n].item<float>(), std::abs(z), 1e-5) << b << " " << n;
    }
  }
}

TEST_F(CircleLinearTest, AnglesAreRegisteredParametersInMinusPiPi) {
  CircleLinear layer(5, 7);
  const auto params = layer->named_parameters();
  ASSERT_TRUE(params.contains("theta"));
  ASSERT_TRUE(params.contains("phi"));
  EXPECT_EQ(params["theta"].sizes(), (std::vector<int64_t>{7, 5}));
  EXPECT_EQ(params["phi"].sizes(), (std::vector<int64_t>{7}));
  for (const char* name : {"theta", "phi"}) {
    EXPECT_GE(params[name].min().item<float>(), -kPi);
    EXPECT_LT(params[name].max().item<float>(), kPi);
    // Uniform on a width-2pi interval: not bunched up near 0.
    EXPECT_GT(params[name].max().item<float>() - params[name].min().item<float>(), 3.0);
  }
}

// ScaleAngles multiplies every angle, pushing them far outside [-pi, pi).
void ScaleAngles(torch::nn::Module& module, double factor) {
  torch::NoGradGuard no_grad;
  for (torch::Tensor& p : module.parameters()) p.mul_(factor);
}

TEST_F(CircleLinearTest, EachOutputIsL1LipschitzInTheInputs) {
  // |y_n(x) - y_n(x')| <= sum_m |x_m - x'_m|: the tight per-neuron bound.
  for (int seed : {1, 2, 3}) {
    torch::manual_seed(seed);
    CircleLinear layer(6, 4);
    ScaleAngles(*layer, seed * 40.0);
    layer->to(torch::kFloat64);
    const torch::Tensor x = 3 * torch::randn({5000, 6}, torch::kFloat64);
    const torch::Tensor xp =
        x + torch::randn({5000, 6}, torch::kFloat64) * torch::rand({5000, 1}, torch::kFloat64);
    const torch::Tensor dy = (layer->forward(x) - layer->forward(xp)).abs();
    const torch::Tensor l1 = (x - xp).abs().sum(1, /*keepdim=*/true);
    EXPECT_TRUE((dy <= l1 + 1e-9).all().item<bool>()) << "seed " << seed;
  }
}

TEST_F(CircleMlpTest, LipschitzBoundIsTheProductOfLayerConstants) {
  CircleMlp mlp(4, std::vector<int64_t>{8, 6}, "leaky-relu");
  EXPECT_NEAR(mlp->LipschitzBound(), std::sqrt(4.0 * 8) * std::sqrt(8.0 * 6) * std::sqrt(6.0 * 1),
              1e-9);
  EXPECT_EQ(mlp->forward(torch::randn({9, 4})).sizes(), (std::vector<int64_t>{9, 1}));
  EXPECT_EQ(mlp->parameters().size(), 6u);  // theta and phi of three layers
}

TEST_F(CircleMlpTest, LipschitzBoundHoldsForRandomPairsAndAngles) {
  for (const char* activation : {"leaky-relu", "relu", "tanh"}) {
    for (int seed : {1, 2, 3, 4}) {
      torch::manual_seed(seed);
      CircleMlp mlp(3, std::vector<int64_t>{5, 4}, activation);
      if (seed > 2) ScaleAngles(*mlp, 100.0 * seed);  // far outside [-pi, pi)
      mlp->to(torch::kFloat64);
      const double bound = mlp->LipschitzBound();
      const torch::Tensor x = 4 * torch::randn({4000, 3}, torch::kFloat64);
      const torch::Tensor step = torch::randn({4000, 3}, torch::kFloat64);
      // Steps from 1e-4 to 1 times a normal vector: near and far pairs.
      const torch::Tensor scale = torch::pow(10.0, -4 * torch::rand({4000, 1}, torch::kFloat64));
      const torch::Tensor xp = x + step * scale;
      const torch::Tensor dy = (mlp->forward(x) - mlp->forward(xp)).abs().reshape({-1});
      const torch::Tensor dx = (x - xp).norm(2, 1);
      EXPECT_TRUE((dy <= bound * dx + 1e-9).all().item<bool>()) << activation << " " << seed;
      // The bound is not vacuous: the network does change with its input.
      EXPECT_GT(dy.max().item<double>(), 1e-3);
    }
  }
}

TEST_F(CircleMlpTest, GradientNormStaysBelowTheBound) {
  for (int seed : {5, 6, 7}) {
    torch::manual_seed(seed);
    CircleMlp mlp(4, std::vector<int64_t>{7}, "tanh");
    ScaleAngles(*mlp, seed == 7 ? -250.0 : 1.0);
    mlp->to(torch::kFloat64);
    const torch::Tensor x = (5 * torch::randn({3000, 4}, torch::kFloat64)).requires_grad_(true);
    // Rows are independent, so d(sum f)/dx holds each row's gradient.
    const torch::Tensor grad = torch::autograd::grad({mlp->forward(x).sum()}, {x})[0];
    const torch::Tensor norms = grad.norm(2, 1);
    EXPECT_TRUE(torch::isfinite(norms).all().item<bool>());
    EXPECT_LE(norms.max().item<double>(), mlp->LipschitzBound() + 1e-9) << "seed " << seed;
    EXPECT_GT(norms.max().item<double>(), 0.0);
  }
}

TEST_F(CircleLinearTest, GradientAtTheKinkIsZero) {
  // theta = phi = 0 and x = -1 make the complex sum exactly 0.
  CircleLinear layer(1, 1);
  {
    torch::NoGradGuard no_grad;
    layer->theta.fill_(0);
    layer->phi.fill_(0);
  }
  const torch::Tensor xd = torch::full({1, 1}, -1.0).requires_grad_(true);
  const torch::Tensor y = layer->forward(xd);
  EXPECT_LT(y.item<float>(), 1e-5);
  y.sum().backward();
  ASSERT_TRUE(layer->theta.grad().defined());
  EXPECT_EQ(xd.grad().item<float>(), 0.0f);
  EXPECT_TRUE(torch::isfinite(layer->theta.grad()).all().item<bool>());
}

TEST_F(CircleMlpTest, RejectsActivationsThatAreNotOneLipschitzChoices) {
  EXPECT_THROW(CircleMlp(3, std::vector<int64_t>{4}, "swish"), c10::Error);
}

}  // namespace
}  // namespace evgen
