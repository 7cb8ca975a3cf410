// UpdateWeightAverage: the first call copies, the decay ramps up as
// min(decay, (1 + step) / (10 + step)), buffers are copied, not averaged.
#include <gtest/gtest.h>

#include "core/models/nn/weight_average.h"

namespace evgen {
namespace {

struct Toy : torch::nn::Module {
  Toy() {
    w = register_parameter("w", torch::zeros({2}));
    b = register_buffer("b", torch::zeros({1}));
  }
  torch::Tensor w, b;
};

TEST(WeightAverageTest, RampsUpToTheDecayAndCopiesBuffers) {
  Toy toy;
  std::vector<torch::Tensor> average;
  UpdateWeightAverage(toy, 0, 0, &average);
  EXPECT_TRUE(average.empty()) << "decay 0 must not average";
  UpdateWeightAverage(toy, 0.99, 0, &average);
  ASSERT_EQ(average.size(), 2u);
  {
    torch::NoGradGuard no_grad;
    toy.w.fill_(1);
    toy.b.fill_(7);
  }
  // Step 0: keep min(0.99, 1/10) = 0.1 of the average (0).
  UpdateWeightAverage(toy, 0.99, 0, &average);
  EXPECT_FLOAT_EQ(average[0][0].item<float>(), 0.9f);
  EXPECT_FLOAT_EQ(average[1][0].item<float>(), 7.f);
  // Late steps: keep 0.99.
  UpdateWeightAverage(toy, 0.99, 100000, &average);
  EXPECT_FLOAT_EQ(average[0][0].item<float>(), 0.99f * 0.9f + 0.01f);
  std::vector<torch::Tensor> trained = ModuleWeights(toy);
  SetModuleWeights(toy, average);
  EXPECT_FLOAT_EQ(toy.w[1].item<float>(), 0.99f * 0.9f + 0.01f);
  SetModuleWeights(toy, trained);
  EXPECT_FLOAT_EQ(toy.w[1].item<float>(), 1.f);
}

}  // namespace
}  // namespace evgen
