#include "core/models/flow/affine_coupling.h"

namespace evgen {

AffineCouplingImpl::AffineCouplingImpl(int64_t dims, int64_t cond_dims, int64_t block_index,
                                       const MlpSpec& subnet, double clamp)
    : split_(dims, block_index), clamp_(clamp) {
  subnet_ = register_module("subnet", Mlp(split_.SubnetInputs(cond_dims), 2 * split_.change_dims, subnet));
  ZeroOutputLayer(*subnet_, subnet.hidden.size());
}

std::pair<torch::Tensor, torch::Tensor> AffineCouplingImpl::ScaleShift(const torch::Tensor& x,
                                                                       const torch::Tensor& cond) {
  const torch::Tensor out = subnet_->forward(split_.SubnetInput(x, cond));
  const torch::Tensor s = out.slice(1, 0, split_.change_dims);
  const torch::Tensor t = out.slice(1, split_.change_dims, 2 * split_.change_dims);
  return {clamp_ * torch::tanh(s / clamp_), t};
}

std::pair<torch::Tensor, torch::Tensor> AffineCouplingImpl::Forward(const torch::Tensor& x,
                                                                    const torch::Tensor& cond) {
  const auto [s, t] = ScaleShift(x, cond);
  const torch::Tensor changed = x.index_select(1, split_.change.to(x.device())) * torch::exp(s) + t;
  return {split_.Merge(x, changed), s.sum(1)};
}

torch::Tensor AffineCouplingImpl::Inverse(const torch::Tensor& y, const torch::Tensor& cond) {
  // The passed half is the same on both sides, so s~ and t are too.
  const auto [s, t] = ScaleShift(y, cond);
  const torch::Tensor changed = (y.index_select(1, split_.change.to(y.device())) - t) * torch::exp(-s);
  return split_.Merge(y, changed);
}

}  // namespace evgen
