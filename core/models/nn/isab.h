// isab.h: Isab, the induced set attention block of the Set Transformer (Lee
// et al. 2019), the building block of the set generator and the set
// discriminator of core/models/cloud:
//
//   H = MAB(I, X)      m learnable inducing points I attend to the set
//   out = MAB(X, H)    each member attends to the m summaries
//
// Cost O(N m) instead of self-attention's O(N^2). It is permutation
// equivariant in the members of X: permuting them permutes the output
// rows the same way. With a mask (set_mask.h) the padded members are keys of
// neither attention and their output rows are zero, so they change no real
// member's output.
//
// Example:
//   Isab block(IsabOptions(/*in=*/16, /*dim=*/128).heads(4).inducing(16));
//   torch::Tensor y = block->forward(x, mask);  // x [B, N, 16] -> [B, N, 128]
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "core/models/nn/mab.h"

namespace evgen {

struct IsabOptions {
  IsabOptions(int64_t in, int64_t dim) : in_(in), dim_(dim) {}
  TORCH_ARG(int64_t, in);
  TORCH_ARG(int64_t, dim);
  TORCH_ARG(int64_t, heads) = 4;
  TORCH_ARG(int64_t, inducing) = 16;  // m, the number of inducing points
  TORCH_ARG(double, leaky_slope) = 0.2;
  TORCH_ARG(bool, spectral_norm) = false;
};

class IsabImpl : public torch::nn::Module {
 public:
  explicit IsabImpl(IsabOptions options);
  // forward: x [B, N, in], mask [B, N] bool (true = real) or undefined when
  // every member is real; returns [B, N, dim] with padded rows zero.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);
  const IsabOptions& options() const { return options_; }

 private:
  IsabOptions options_;
  torch::Tensor inducing_;  // parameter "inducing" [m, dim]
  Mab to_inducing_{nullptr}, from_inducing_{nullptr};
};
TORCH_MODULE(Isab);

}  // namespace evgen
