// act_norm.h: ActNorm (Kingma, Dhariwal 2018, Glow), a per-dimension affine
// map y = (x + bias) * exp(log_scale) whose parameters are initialised from
// the first training batch so that it leaves that batch with zero mean and
// unit variance; afterwards both are trained like any weight.
//
// The data initialisation makes every block see standardized inputs at the
// start however the blocks before it scale them. Whether it happened is a
// buffer, so checkpoints and saved models carry it and a resumed or loaded
// flow never initialises again. ln|det dy/dx| = sum log_scale for every row.
#pragma once

#include <torch/torch.h>

#include "core/models/flow/flow_block.h"

namespace evgen {

class ActNormImpl : public FlowBlockImpl {
 public:
  explicit ActNormImpl(int64_t dims);
  std::pair<torch::Tensor, torch::Tensor> Forward(const torch::Tensor& x,
                                                  const torch::Tensor& cond) override;
  torch::Tensor Inverse(const torch::Tensor& y, const torch::Tensor& cond) override;

 private:
  void InitializeFrom(const torch::Tensor& x);

  torch::Tensor log_scale_, bias_, initialized_;
};
TORCH_MODULE(ActNorm);

}  // namespace evgen
