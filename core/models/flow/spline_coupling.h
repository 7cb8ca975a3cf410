// spline_coupling.h: SplineCoupling, the rational-quadratic neural spline
// coupling block (Durkan et al. 2019), conditional when given conditions.
//
// The subnetwork reads the passed half (and the condition) and emits, per
// changed dimension, the 3K - 1 parameters of a monotone spline on [-B, B]
// (rq_spline.h); the changed half goes through it element by element, so
// ln|det dy/dx| is the sum of the elements' log-slopes, and the inverse is
// the spline's inverse with the same parameters (the passed half is equal
// on both sides).
#pragma once

#include <torch/torch.h>

#include "core/models/flow/flow_block.h"
#include "core/models/flow/rq_spline.h"
#include "core/models/nn/mlp.h"

namespace evgen {

class SplineCouplingImpl : public FlowBlockImpl {
 public:
  SplineCouplingImpl(int64_t dims, int64_t cond_dims, int64_t block_index, const MlpSpec& subnet,
                     RqSplineOptions spline);
  std::pair<torch::Tensor, torch::Tensor> Forward(const torch::Tensor& x,
                                                  const torch::Tensor& cond) override;
  torch::Tensor Inverse(const torch::Tensor& y, const torch::Tensor& cond) override;

 private:
  // Params returns [rows, changed dims, 3K - 1].
  torch::Tensor Params(const torch::Tensor& x, const torch::Tensor& cond);

  CouplingSplit split_;
  RqSplineOptions spline_;
  Mlp subnet_{nullptr};
};
TORCH_MODULE(SplineCoupling);

}  // namespace evgen
