// Tests of the set building blocks: MAB and ISAB are permutation equivariant
// and blind to padding, spectral normalisation brings the largest singular
// value to 1, and Gumbel-softmax's straight-through sample is exactly one-hot
// forward while its gradient reaches the logits.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "core/models/nn/gumbel_softmax.h"
#include "core/models/nn/isab.h"
#include "core/models/nn/mab.h"
#include "core/models/nn/set_mask.h"
#include "core/models/nn/spectral_linear.h"

namespace evgen {
namespace {

class SetBlocksTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(7); }
};

TEST_F(SetBlocksTest, IsabIsPermutationEquivariant) {
  Isab block(IsabOptions(5, 16).heads(4).inducing(3));
  const torch::Tensor x = torch::randn({2, 9, 5});
  const torch::Tensor perm = torch::randperm(9, torch::kLong);
  const torch::Tensor y = block->forward(x, torch::Tensor());
  const torch::Tensor y_perm = block->forward(x.index_select(1, perm), torch::Tensor());
  EXPECT_LT((y.index_select(1, perm) - y_perm).abs().max().item<double>(), 1e-5);
}

TEST_F(SetBlocksTest, PaddingNeverChangesRealMembers) {
  Isab block(IsabOptions(5, 16).heads(2).inducing(4).spectral_norm(true));
  block->eval();
  const torch::Tensor sizes = torch::tensor({3, 7}, torch::kLong);
  const torch::Tensor mask = SizeMask(sizes, 7);
  torch::Tensor x = torch::randn({2, 7, 5});
  torch::Tensor garbage = x.clone();
  garbage.index_put_({0, torch::indexing::Slice(3, torch::indexing::None)}, 1e6);
  garbage[0][4][1] = std::numeric_limits<float>::quiet_NaN();
  const torch::Tensor y = block->forward(x, mask), y_garbage = block->forward(garbage, mask);
  EXPECT_TRUE(torch::equal(ZeroPadding(y, mask), y)) << "padded rows come out zero";
  EXPECT_LT((y - y_garbage).abs().max().item<double>(), 1e-5);
  // The 3 real members alone, without padding, give the same outputs.
  const torch::Tensor alone = block->forward(x.slice(0, 0, 1).slice(1, 0, 3), torch::Tensor());
  EXPECT_LT((alone - y.slice(0, 0, 1).slice(1, 0, 3)).abs().max().item<double>(), 1e-5);
}

TEST_F(SetBlocksTest, MaskedMeanIgnoresPadding) {
  const torch::Tensor x = torch::tensor({{{1.f}, {3.f}, {100.f}}});
  const torch::Tensor mask = SizeMask(torch::tensor({2}, torch::kLong), 3);
  EXPECT_FLOAT_EQ(MaskedMean(x, mask).item<float>(), 2.f);
}

TEST_F(SetBlocksTest, MabRefusesWidthNotMultipleOfHeads) {
  EXPECT_THROW(Mab(MabOptions(4, 4, 10).heads(4)), c10::Error);
}

TEST_F(SetBlocksTest, SpectralNormBringsLargestSingularValueToOne) {
  SpectralLinear fc(SpectralLinearOptions(12, 8).spectral_norm(true));
  {
    torch::NoGradGuard no_grad;
    for (auto& p : fc->parameters()) p.mul_(5);
  }
  fc->train();
  for (int i = 0; i < 50; ++i) fc->forward(torch::zeros({1, 12}));
  fc->eval();
  const torch::Tensor w = fc->Weight().detach();
  EXPECT_NEAR(torch::linalg_svdvals(w).max().item<double>(), 1.0, 1e-3);
  // The iteration vector is a buffer, so checkpoints carry it.
  EXPECT_EQ(fc->named_buffers().size(), 1u);
}

TEST_F(SetBlocksTest, SpectralNormOffLeavesWeight) {
  SpectralLinear fc(SpectralLinearOptions(3, 2));
  EXPECT_TRUE(torch::equal(fc->Weight(), fc->named_parameters()["linear.weight"]));
  EXPECT_EQ(fc->named_buffers().size(), 0u);
}

TEST_F(SetBlocksTest, GumbelStraightThroughIsOneHotAndPassesGradients) {
  const torch::Tensor logits = torch::randn({64, 10}).requires_grad_(true);
  const torch::Tensor u = torch::rand({64, 10}).clamp(1e-7, 1 - 1e-7);
  const torch::Tensor y = GumbelSoftmaxStraightThrough(logits, u, 0.7);
  EXPECT_TRUE(torch::equal(y.detach().sum(1), torch::ones({64})));
  EXPECT_TRUE(torch::equal((y.detach() == 1).sum(1), torch::ones({64}, torch::kLong)));
  EXPECT_TRUE(torch::equal((y.detach() == 0).sum(1), torch::full({64}, 9, torch::kLong)));
  EXPECT_TRUE(torch::equal(y.detach().argmax(1), GumbelArgmax(logits, u)));
  // A loss that prefers category 3 pushes its logit up.
  (-y.select(1, 3)).sum().backward();
  ASSERT_TRUE(logits.grad().defined());
  EXPECT_GT(logits.grad().abs().sum().item<double>(), 0);
  EXPECT_LT(logits.grad().select(1, 3).sum().item<double>(), 0);
}

}  // namespace
}  // namespace evgen
