// FitWhitening / Whiten: strongly correlated points come out with zero
// mean and unit covariance, new points go through the same map with their
// gradient, and a singular or too short sample is refused by name.
#include <gtest/gtest.h>

#include <string>

#include "core/models/nn/whitening.h"

namespace evgen {
namespace {

// Correlated: 4 features of which two are nearly the same (variance of
// their difference 1e-4 of theirs), as a jet's EFPs are.
torch::Tensor Correlated(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  const torch::Tensor a = torch::randn({n, 1}, torch::kFloat64);
  const torch::Tensor b = torch::randn({n, 1}, torch::kFloat64);
  const torch::Tensor c = torch::randn({n, 1}, torch::kFloat64);
  return torch::cat({3 * a + 1, 3 * a + 0.03 * c - 2, b, 0.5 * torch::randn({n, 1}, torch::kFloat64) + a}, 1);
}

TEST(WhiteningTest, GivesZeroMeanAndUnitCovariance) {
  const torch::Tensor x = Correlated(4000, 1);
  const absl::StatusOr<Whitening> w = FitWhitening(x, "efp_mmd.whiten");
  ASSERT_TRUE(w.ok()) << w.status();
  const torch::Tensor white = Whiten(x, *w);
  EXPECT_LT(white.mean(0).abs().max().item<double>(), 1e-10);
  const torch::Tensor cov = white.t().mm(white) / 3999.0;
  EXPECT_LT((cov - torch::eye(4, torch::kFloat64)).abs().max().item<double>(), 1e-9) << cov;
  // The near-copy's difference, 1e-4 of the variance, is a unit direction
  // now: shifting it by its own sd moves the whitened point by about 1.
  torch::Tensor shifted = x.slice(0, 0, 1).clone();
  shifted[0][1] += 0.03;
  EXPECT_NEAR((Whiten(shifted, *w) - white.slice(0, 0, 1)).norm().item<double>(), 1, 0.05);
}

TEST(WhiteningTest, AppliesTheSameMapInFloatWithGradients) {
  const Whitening w = *FitWhitening(Correlated(2000, 2), "efp_mmd.whiten");
  torch::Tensor y = Correlated(5, 3).to(torch::kFloat32).requires_grad_(true);
  const torch::Tensor white = Whiten(y, w);
  EXPECT_EQ(white.dtype(), torch::kFloat32);
  const torch::Tensor expected = (y.detach().to(torch::kFloat64) - w.mean).mm(w.transform);
  EXPECT_LT((white.detach().to(torch::kFloat64) - expected).abs().max().item<double>(), 1e-3);
  white.sum().backward();
  EXPECT_LT((y.grad().to(torch::kFloat64)[0] - w.transform.sum(1)).abs().max().item<double>(), 1e-3);
}

TEST(WhiteningTest, RefusesSingularAndShortSamples) {
  torch::Tensor x = Correlated(500, 4);
  x.select(1, 2).copy_(x.select(1, 0));  // a copy of another feature
  const absl::StatusOr<Whitening> copy = FitWhitening(x, "efp_mmd.whiten");
  ASSERT_FALSE(copy.ok());
  EXPECT_NE(std::string(copy.status().message()).find("config.efp_mmd.whiten: the 4 features' covariance over the "
                                                      "training jets is singular"),
            std::string::npos)
      << copy.status();
  x.select(1, 2).fill_(7);  // a constant
  EXPECT_FALSE(FitWhitening(x, "efp_mmd.whiten").ok());
  const absl::StatusOr<Whitening> short_sample = FitWhitening(Correlated(4, 5), "efp_mmd.whiten");
  ASSERT_FALSE(short_sample.ok());
  EXPECT_NE(std::string(short_sample.status().message()).find("whitening 4 features needs more than 4 rows; got 4"),
            std::string::npos)
      << short_sample.status();
}

}  // namespace
}  // namespace evgen
