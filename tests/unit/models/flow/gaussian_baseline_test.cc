#include "core/models/flow/gaussian_baseline.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/models/flow/flow_trainer.h"
#include "core/physics/constants.h"

namespace evgen {
namespace {

// x = 2 c + 0.5 n with c, n standard normal: the conditional Gaussian's
// NLL per event is 0.5 ln(2 pi 0.25) + 0.5; the unconditional one, with
// variance 4.25, is 0.5 ln(2 pi 4.25) + 0.5. A log-Jacobian shifts both.
TEST(GaussianBaselineTest, ConditionalAndUnconditionalNllOfALinearGaussian) {
  torch::manual_seed(3);
  auto make = [](int64_t n, torch::Tensor* x, torch::Tensor* c) {
    *c = torch::randn({n, 1}, torch::kFloat32);
    *x = 2 * *c + 0.5 * torch::randn({n, 1}, torch::kFloat32);
  };
  FlowTrainingData data;
  make(200000, &data.train_targets, &data.train_conditions);
  make(100000, &data.validation_targets, &data.validation_conditions);
  const double conditional = 0.5 * std::log(2 * physics::kPi * 0.25) + 0.5;
  EXPECT_NEAR(GaussianBaselineNll(data), conditional, 0.01);
  data.validation_log_jacobian = 1.5;
  EXPECT_NEAR(GaussianBaselineNll(data), conditional - 1.5, 0.01);

  data.validation_log_jacobian = 0;
  data.train_conditions = torch::empty({200000, 0});
  data.validation_conditions = torch::empty({100000, 0});
  EXPECT_NEAR(GaussianBaselineNll(data), 0.5 * std::log(2 * physics::kPi * 4.25) + 0.5, 0.01);

  data.validation_targets = torch::empty({0, 1});
  data.validation_conditions = torch::empty({0, 0});
  EXPECT_TRUE(std::isnan(GaussianBaselineNll(data)));
}

}  // namespace
}  // namespace evgen
