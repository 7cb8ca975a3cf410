// affine_coupling.h: AffineCoupling, the RealNVP coupling block (Dinh et
// al.), conditional when given condition columns (the cINN's block).
//
// The changed half x_b is scaled and shifted by functions of the passed half
// x_a (and the condition c): s, t = subnet(x_a, c),
//   y_b = x_b * exp(s~) + t,   s~ = clamp * tanh(s / clamp),
//   ln|det dy/dx| = sum s~.
// The soft clamp bounds every scale to exp(+-clamp), which keeps training
// from the huge scales one odd batch can ask for; the inverse
// x_b = (y_b - t) * exp(-s~) is exact since s~ and t depend on x_a only.
#pragma once

#include <torch/torch.h>

#include "core/models/flow/flow_block.h"
#include "core/models/nn/mlp.h"

namespace evgen {

class AffineCouplingImpl : public FlowBlockImpl {
 public:
  AffineCouplingImpl(int64_t dims, int64_t cond_dims, int64_t block_index, const MlpSpec& subnet,
                     double clamp);
  std::pair<torch::Tensor, torch::Tensor> Forward(const torch::Tensor& x,
                                                  const torch::Tensor& cond) override;
  torch::Tensor Inverse(const torch::Tensor& y, const torch::Tensor& cond) override;

 private:
  // ScaleShift returns the clamped log-scale s~ and the shift t.
  std::pair<torch::Tensor, torch::Tensor> ScaleShift(const torch::Tensor& x, const torch::Tensor& cond);

  CouplingSplit split_;
  double clamp_;
  Mlp subnet_{nullptr};
};
TORCH_MODULE(AffineCoupling);

}  // namespace evgen
