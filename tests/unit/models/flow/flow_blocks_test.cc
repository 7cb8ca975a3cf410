// Tests of the flow blocks one by one: every kind inverts exactly and its
// log-determinant equals that of the autograd Jacobian, conditional
// variants included; the spline keeps identity tails.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/models/flow/act_norm.h"
#include "core/models/flow/affine_coupling.h"
#include "core/models/flow/flow_network.h"
#include "core/models/flow/mixing.h"
#include "core/models/flow/spline_coupling.h"

namespace evgen {
namespace {

struct BlockCase {
  std::string name;
  int64_t cond_dims;
};

MlpSpec SmallSubnet() {
  MlpSpec s;
  s.hidden = {16, 16};
  s.activation = "tanh";
  return s;
}

// MakeBlock builds block `name` on `dims` dimensions with non-trivial
// weights (new couplings start as the identity, which would test nothing).
std::shared_ptr<FlowBlockImpl> MakeBlock(const std::string& name, int64_t dims, int64_t cond_dims, int64_t index) {
  torch::manual_seed(7 + index);
  std::shared_ptr<FlowBlockImpl> block;
  RqSplineOptions spline;
  spline.tail_bound = 2.5;
  if (name == "affine") block = std::make_shared<AffineCouplingImpl>(dims, cond_dims, index, SmallSubnet(), 2.0);
  if (name == "rqs") block = std::make_shared<SplineCouplingImpl>(dims, cond_dims, index, SmallSubnet(), spline);
  if (name == "actnorm") block = std::make_shared<ActNormImpl>(dims);
  if (name == "permutation") block = std::make_shared<PermutationImpl>(dims, 11);
  if (name == "rotation") block = std::make_shared<RotationImpl>(dims, 11);
  // Perturbed to the scale of trained weights. Much larger ones make spline
  // bins so flat (slope near min_derivative) that float32 rounding of y
  // alone moves the inverse by 1e-4 or more: a conditioning limit, not the
  // formulas (SplineInvertsInDoublePrecisionEvenWhenSteep).
  torch::NoGradGuard no_grad;
  for (torch::Tensor& p : block->parameters()) p.copy_(torch::randn_like(p) * 0.25);
  block->eval();
  return block;
}

const std::vector<std::string>& Kinds() {
  static const std::vector<std::string> kinds = {"affine", "rqs", "actnorm", "permutation", "rotation"};
  return kinds;
}

TEST(FlowBlocksTest, EveryBlockInvertsToOneInTenToTheFive) {
  for (const std::string& kind : Kinds()) {
    for (int64_t dims : {1, 2, 5}) {
      for (int64_t cond_dims : {0, 3}) {
        for (int64_t index : {0, 1}) {
          auto block = MakeBlock(kind, dims, cond_dims, index);
          // Values inside and outside the spline's tail bound.
          const torch::Tensor x = torch::randn({257, dims}) * 1.5;
          const torch::Tensor c = torch::randn({257, cond_dims});
          torch::NoGradGuard no_grad;
          const torch::Tensor back = block->Inverse(block->Forward(x, c).first, c);
          EXPECT_LT((back - x).abs().max().item<double>(), 1e-5)
              << kind << " dims " << dims << " cond " << cond_dims << " index " << index;
        }
      }
    }
  }
}

// AutogradLogDet is ln|det J| of row `r` of f, from the full Jacobian.
double AutogradLogDet(FlowBlockImpl& block, const torch::Tensor& x_row, const torch::Tensor& c_row) {
  const int64_t dims = x_row.size(1);
  torch::Tensor jacobian = torch::empty({dims, dims}, torch::kFloat64);
  for (int64_t i = 0; i < dims; ++i) {
    torch::Tensor x = x_row.clone().requires_grad_(true);
    const torch::Tensor y = block.Forward(x, c_row).first;
    const torch::Tensor grad = torch::autograd::grad({y.select(1, i).sum()}, {x})[0];
    jacobian[i] = grad[0].to(torch::kFloat64);
  }
  return std::get<1>(torch::linalg_slogdet(jacobian)).item<double>();
}

TEST(FlowBlocksTest, LogDeterminantMatchesTheAutogradJacobian) {
  for (const std::string& kind : Kinds()) {
    for (int64_t cond_dims : {0, 2}) {
      auto block = MakeBlock(kind, 3, cond_dims, 0);
      const torch::Tensor x = torch::randn({6, 3}) * 1.5;
      const torch::Tensor c = torch::randn({6, cond_dims});
      const torch::Tensor log_det = block->Forward(x, c).second.detach();
      for (int64_t r = 0; r < x.size(0); ++r) {
        const double expected = AutogradLogDet(*block, x.slice(0, r, r + 1), c.slice(0, r, r + 1));
        EXPECT_NEAR(log_det[r].item<double>(), expected, 2e-4) << kind << " cond " << cond_dims << " row " << r;
      }
    }
  }
}

TEST(FlowBlocksTest, SplineIsTheIdentityOutsideItsTailBound) {
  RqSplineOptions o;
  o.tail_bound = 2;
  const torch::Tensor params = torch::randn({4, 1, o.ParamsPerDim()});
  const torch::Tensor x = torch::tensor({-5.0f, -2.0f, 2.0f, 7.0f}).reshape({4, 1});
  const auto [y, log_det] = RqSplineForward(x, params, o);
  EXPECT_LT((y - x).abs().max().item<double>(), 1e-6);
  EXPECT_LT(log_det.abs().max().item<double>(), 1e-5);
}

TEST(FlowBlocksTest, SplineInvertsInDoublePrecisionEvenWhenSteep) {
  RqSplineOptions o;
  o.tail_bound = 2.5;
  torch::manual_seed(1);
  const torch::Tensor params = torch::randn({5000, 1, o.ParamsPerDim()}, torch::kFloat64) * 4;
  const torch::Tensor x = torch::rand({5000, 1}, torch::kFloat64) * 5 - 2.5;
  const torch::Tensor back = RqSplineInverse(RqSplineForward(x, params, o).first, params, o);
  EXPECT_LT((back - x).abs().max().item<double>(), 1e-8);
}

TEST(FlowBlocksTest, ActNormStandardizesItsFirstTrainingBatch) {
  ActNorm norm(2);
  norm->train();
  const torch::Tensor x = torch::randn({1000, 2}) * torch::tensor({3.0f, 0.5f}) + torch::tensor({10.0f, -2.0f});
  const torch::Tensor y = norm->Forward(x, torch::empty({1000, 0})).first.detach();
  EXPECT_LT(y.mean(0).abs().max().item<double>(), 1e-4);
  EXPECT_LT((y.std(0, false) - 1).abs().max().item<double>(), 1e-4);
  // Initialised once: a second batch does not re-initialise it.
  const torch::Tensor again = norm->Forward(x * 2, torch::empty({1000, 0})).first.detach();
  EXPECT_GT(again.std(0, false).min().item<double>(), 1.5);
}

TEST(FlowBlocksTest, NetworkLogProbOfANewAffineFlowIsTheStandardNormal) {
  FlowNetworkSpec spec;
  spec.actnorm = false;
  spec.blocks = 3;
  FlowNetwork net(4, 0, spec, 5);
  net->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({50, 4});
  // Zero-initialised couplings and rotations: z is a rotation of x.
  EXPECT_LT((net->LogProb(x, torch::empty({50, 0})) - StandardNormalLogProb(x)).abs().max().item<double>(), 1e-4);
}

}  // namespace
}  // namespace evgen
