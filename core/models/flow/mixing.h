// mixing.h: the fixed linear maps between coupling blocks, so that every
// dimension is changed in terms of every other one: a seeded random
// permutation, or a seeded random orthogonal rotation (the cINN's choice:
// it mixes all dimensions at once, not just reorders them).
//
// Both have |det| = 1, so ln|det| = 0, and exact inverses (the inverse
// permutation; the transpose). They are buffers, not parameters: saved and
// loaded with the weights, never trained.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "core/models/flow/flow_block.h"

namespace evgen {

class PermutationImpl : public FlowBlockImpl {
 public:
  PermutationImpl(int64_t dims, uint64_t seed);
  std::pair<torch::Tensor, torch::Tensor> Forward(const torch::Tensor& x,
                                                  const torch::Tensor& cond) override;
  torch::Tensor Inverse(const torch::Tensor& y, const torch::Tensor& cond) override;

 private:
  torch::Tensor order_, inverse_order_;  // int64
};
TORCH_MODULE(Permutation);

class RotationImpl : public FlowBlockImpl {
 public:
  RotationImpl(int64_t dims, uint64_t seed);
  std::pair<torch::Tensor, torch::Tensor> Forward(const torch::Tensor& x,
                                                  const torch::Tensor& cond) override;
  torch::Tensor Inverse(const torch::Tensor& y, const torch::Tensor& cond) override;

 private:
  torch::Tensor q_;  // [D, D] orthogonal; y = x q
};
TORCH_MODULE(Rotation);

}  // namespace evgen
