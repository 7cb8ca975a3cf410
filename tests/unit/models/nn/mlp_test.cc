#include "core/models/nn/mlp.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <sstream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

::testing::AssertionResult HasText(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

at::Generator CpuGenerator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

class MlpTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(20190101); }
};

TEST_F(MlpTest, OutputShapesForEveryOption) {
  for (const char* activation : {"leaky-relu", "relu", "tanh", "swish"}) {
    for (const char* norm : {"none", "batch", "layer"}) {
      MlpSpec spec;
      spec.hidden = {16, 8};
      spec.activation = activation;
      spec.norm = norm;
      spec.spectral_norm = true;
      spec.dropout = 0.25;
      Mlp mlp(5, 3, spec);
      EXPECT_EQ(mlp->forward(torch::randn({7, 5})).sizes(), (std::vector<int64_t>{7, 3}))
          << activation << " " << norm;
    }
  }
  MlpSpec linear_only;
  linear_only.hidden = {};
  Mlp mlp(5, 2, linear_only);
  EXPECT_EQ(mlp->forward(torch::randn({4, 5})).sizes(), (std::vector<int64_t>{4, 2}));
}

TEST_F(MlpTest, SigmoidOutputLiesInOpenUnitInterval) {
  MlpSpec spec;
  spec.output = "sigmoid";
  Mlp mlp(4, 2, spec);
  const torch::Tensor y = mlp->forward(torch::randn({256, 4}));
  EXPECT_GT(y.min().item<float>(), 0.0f);
  EXPECT_LT(y.max().item<float>(), 1.0f);
  // A linear output of the same weights is not confined to (0, 1).
  MlpSpec linear = spec;
  linear.output = "linear";
  torch::manual_seed(3);
  Mlp a(4, 2, linear);
  torch::manual_seed(3);
  Mlp b(4, 2, spec);
  const torch::Tensor x = torch::randn({16, 4});
  EXPECT_TRUE(torch::allclose(b->forward(x), torch::sigmoid(a->forward(x))));
}

TEST_F(MlpTest, DropoutMasksFollowTheNoiseGenerator) {
  MlpSpec spec;
  spec.hidden = {64, 64};
  spec.dropout = 0.5;
  Mlp mlp(3, 2, spec);
  const torch::Tensor x = torch::randn({32, 3});
  mlp->set_noise_generator(CpuGenerator(11));
  const torch::Tensor first = mlp->forward(x);
  torch::randn({1000});  // the global generator must not matter
  mlp->set_noise_generator(CpuGenerator(11));
  const torch::Tensor again = mlp->forward(x);
  mlp->set_noise_generator(CpuGenerator(12));
  const torch::Tensor other = mlp->forward(x);
  EXPECT_TRUE(torch::equal(first, again));
  EXPECT_FALSE(torch::allclose(first, other));
}

TEST_F(MlpTest, DropoutZeroesAboutTheRequestedFractionAndRescales) {
  // One hidden unit with identity-like weights: its value after dropout is
  // either 0 or 1 / (1 - p) times the input, visible through the output.
  MlpSpec spec;
  spec.hidden = {1};
  spec.activation = "relu";
  spec.dropout = 0.3;
  Mlp mlp(1, 1, spec);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : mlp->named_parameters()) {
      p.value().fill_(p.key().find("weight") != std::string::npos ? 1.0 : 0.0);
    }
  }
  mlp->set_noise_generator(CpuGenerator(5));
  const torch::Tensor y = mlp->forward(torch::ones({20000, 1})).reshape({-1});
  const double kept = (y > 0).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(kept, 0.7, 0.015);
  EXPECT_NEAR(y.max().item<float>(), 1.0 / 0.7, 1e-5);
}

TEST_F(MlpTest, EvalModeIsDeterministicWithoutDropout) {
  MlpSpec spec;
  spec.dropout = 0.5;
  spec.spectral_norm = true;
  Mlp mlp(3, 2, spec);
  const torch::Tensor x = torch::randn({32, 3});
  mlp->eval();
  mlp->set_noise_generator(CpuGenerator(1));
  const torch::Tensor first = mlp->forward(x);
  mlp->set_noise_generator(CpuGenerator(2));
  const torch::Tensor second = mlp->forward(x);
  EXPECT_TRUE(torch::equal(first, second));
  mlp->train();
  EXPECT_FALSE(torch::allclose(first, mlp->forward(x)));
}

// EffectiveWeight reads W^T of a network without hidden layers from its
// behaviour: f(e_i) - f(0) is row i of W^T.
torch::Tensor EffectiveWeightT(Mlp& mlp, int64_t inputs) {
  torch::NoGradGuard no_grad;
  return mlp->forward(torch::eye(inputs)) - mlp->forward(torch::zeros({1, inputs}));
}

TEST_F(MlpTest, SpectralNormMakesTheLargestSingularValueOne) {
  MlpSpec spec;
  spec.hidden = {};
  spec.spectral_norm = true;
  Mlp mlp(6, 4, spec);
  torch::Tensor weight = mlp->named_parameters()["linear0.weight"];
  {
    torch::NoGradGuard no_grad;
    weight.mul_(3);  // far from norm 1 whatever the default init gives
  }
  const torch::Tensor raw_sigma = torch::linalg_svdvals(weight);
  ASSERT_GT(std::fabs(raw_sigma[0].item<float>() - 1.0f), 0.1f) << "the test needs sigma != 1";
  const torch::Tensor x = torch::randn({8, 6});
  for (int step = 0; step < 100; ++step) mlp->forward(x);  // power iterations
  mlp->eval();
  const torch::Tensor sigma = torch::linalg_svdvals(EffectiveWeightT(mlp, 6));
  EXPECT_NEAR(sigma[0].item<float>(), 1.0f, 1e-3);
}

TEST_F(MlpTest, SpectralNormVectorIsABufferUpdatedOnlyInTraining) {
  MlpSpec spec;
  spec.hidden = {5};
  spec.spectral_norm = true;
  Mlp mlp(3, 2, spec);
  const auto buffers = mlp->named_buffers();
  ASSERT_TRUE(buffers.contains("sn_u0"));
  ASSERT_TRUE(buffers.contains("sn_u1"));
  const torch::Tensor before = buffers["sn_u0"].clone();
  mlp->eval();
  mlp->forward(torch::randn({4, 3}));
  EXPECT_TRUE(torch::equal(before, mlp->named_buffers()["sn_u0"]));
  mlp->train();
  mlp->forward(torch::randn({4, 3}));
  EXPECT_FALSE(torch::equal(before, mlp->named_buffers()["sn_u0"]));
}

TEST_F(MlpTest, SpectralNormAllowsTwoForwardsBeforeBackward) {
  MlpSpec spec;
  spec.spectral_norm = true;
  Mlp mlp(3, 1, spec);
  const torch::Tensor loss =
      mlp->forward(torch::randn({4, 3})).mean() - mlp->forward(torch::randn({4, 3})).mean();
  EXPECT_NO_THROW(loss.backward());
  EXPECT_TRUE(mlp->named_parameters()["linear0.weight"].grad().defined());
}

TEST_F(MlpTest, SwishIsXTimesSigmoidOfTrainableBeta) {
  MlpSpec spec;
  spec.hidden = {1};
  spec.activation = "swish";
  Mlp mlp(1, 1, spec);
  auto params = mlp->named_parameters();
  ASSERT_TRUE(params.contains("swish_beta0"));
  EXPECT_FLOAT_EQ(params["swish_beta0"].item<float>(), 1.0f);
  EXPECT_TRUE(params["swish_beta0"].requires_grad());
  {
    torch::NoGradGuard no_grad;
    params["linear0.weight"].fill_(1);
    params["linear0.bias"].fill_(0);
    params["linear1.weight"].fill_(1);
    params["linear1.bias"].fill_(0);
    params["swish_beta0"].fill_(2);
  }
  const double x = 0.7;
  const torch::Tensor y = mlp->forward(torch::full({1, 1}, x));
  EXPECT_NEAR(y.item<float>(), x / (1 + std::exp(-2 * x)), 1e-6);
  y.sum().backward();
  // d/dbeta x sigmoid(beta x) = x^2 s (1 - s) at beta = 2.
  const double s = 1 / (1 + std::exp(-2 * x));
  EXPECT_NEAR(params["swish_beta0"].grad().item<float>(), x * x * s * (1 - s), 1e-6);
}

TEST_F(MlpTest, SaveAndLoadRestoreParametersAndBuffers) {
  MlpSpec spec;
  spec.activation = "swish";
  spec.norm = "batch";
  spec.spectral_norm = true;
  Mlp saved(3, 2, spec);
  for (int step = 0; step < 3; ++step) saved->forward(torch::randn({16, 3}));
  std::stringstream stream;
  torch::save(saved, stream);
  torch::manual_seed(999);
  Mlp loaded(3, 2, spec);
  torch::load(loaded, stream);
  saved->eval();
  loaded->eval();
  const torch::Tensor x = torch::randn({5, 3});
  EXPECT_TRUE(torch::equal(saved->forward(x), loaded->forward(x)));
}

TEST(MlpSpecTest, DefaultsAndRoundTrip) {
  absl::StatusOr<MlpSpec> empty = MlpSpec::FromJson(nlohmann::json::object(), "generator");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->ToJson(), MlpSpec().ToJson());
  const nlohmann::json j = {{"hidden", {128, 32, 7}}, {"activation", "swish"}, {"leaky_slope", 0.1},
                            {"norm", "layer"},        {"spectral_norm", true}, {"dropout", 0.5},
                            {"output", "sigmoid"}};
  absl::StatusOr<MlpSpec> spec = MlpSpec::FromJson(j, "generator");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->hidden, (std::vector<int64_t>{128, 32, 7}));
  EXPECT_EQ(spec->activation, "swish");
  EXPECT_TRUE(spec->spectral_norm);
  EXPECT_EQ(spec->ToJson(), j);
  absl::StatusOr<MlpSpec> none = MlpSpec::FromJson({{"hidden", nlohmann::json::array()}}, "g");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->hidden.empty());
}

TEST(MlpSpecTest, ErrorsNameTheFieldAndTheAllowedValues) {
  struct Case {
    nlohmann::json j;
    std::string name;
    std::string allowed;
  };
  const std::vector<Case> cases = {
      {{{"hiden", {8}}}, "discriminator.hiden", "spectral_norm"},
      {{{"hidden", {8, 0}}}, "discriminator.hidden", "[1, 8192]"},
      {{{"hidden", {8193}}}, "discriminator.hidden", "[1, 8192]"},
      {{{"hidden", {8.5}}}, "discriminator.hidden", "integer"},
      {{{"hidden", "64"}}, "discriminator.hidden", "list of integers"},
      {{{"hidden", {"64"}}}, "discriminator.hidden", "list of integers"},
      {{{"activation", "gelu"}}, "discriminator.activation", "swish"},
      {{{"activation", 3}}, "discriminator.activation", "leaky-relu"},
      {{{"leaky_slope", "0.2"}}, "discriminator.leaky_slope", "[0, 1)"},
      {{{"leaky_slope", -0.1}}, "discriminator.leaky_slope", "[0, 1)"},
      {{{"norm", "group"}}, "discriminator.norm", "layer"},
      {{{"spectral_norm", "yes"}}, "discriminator.spectral_norm", "true or false"},
      {{{"spectral_norm", 1}}, "discriminator.spectral_norm", "true or false"},
      {{{"dropout", 1.0}}, "discriminator.dropout", "[0, 1)"},
      {{{"dropout", nullptr}}, "discriminator.dropout", "[0, 1)"},
      {{{"output", "softmax"}}, "discriminator.output", "sigmoid"},
      {nlohmann::json::array({1, 2}), "discriminator", "object"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<MlpSpec> spec;
    ASSERT_NO_THROW(spec = MlpSpec::FromJson(c.j, "discriminator")) << c.j.dump();
    ASSERT_FALSE(spec.ok()) << c.j.dump();
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << c.j.dump();
    EXPECT_TRUE(HasText(std::string(spec.status().message()), c.name));
    EXPECT_TRUE(HasText(std::string(spec.status().message()), c.allowed));
  }
}

}  // namespace
}  // namespace evgen
