#include "core/models/flow/spline_coupling.h"

namespace evgen {

SplineCouplingImpl::SplineCouplingImpl(int64_t dims, int64_t cond_dims, int64_t block_index,
                                       const MlpSpec& subnet, RqSplineOptions spline)
    : split_(dims, block_index), spline_(spline) {
  subnet_ = register_module(
      "subnet", Mlp(split_.SubnetInputs(cond_dims), split_.change_dims * spline_.ParamsPerDim(), subnet));
  // Zero parameters give equal bins and inner derivatives softplus(0) +
  // min: close to, not exactly, the identity; a small start either way.
  ZeroOutputLayer(*subnet_, subnet.hidden.size());
}

torch::Tensor SplineCouplingImpl::Params(const torch::Tensor& x, const torch::Tensor& cond) {
  return subnet_->forward(split_.SubnetInput(x, cond)).reshape({x.size(0), split_.change_dims, -1});
}

std::pair<torch::Tensor, torch::Tensor> SplineCouplingImpl::Forward(const torch::Tensor& x,
                                                                    const torch::Tensor& cond) {
  const auto [changed, log_det] =
      RqSplineForward(x.index_select(1, split_.change.to(x.device())), Params(x, cond), spline_);
  return {split_.Merge(x, changed), log_det.sum(1)};
}

torch::Tensor SplineCouplingImpl::Inverse(const torch::Tensor& y, const torch::Tensor& cond) {
  const torch::Tensor changed =
      RqSplineInverse(y.index_select(1, split_.change.to(y.device())), Params(y, cond), spline_);
  return split_.Merge(y, changed);
}

}  // namespace evgen
