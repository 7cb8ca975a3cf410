#include "core/models/flow/act_norm.h"

namespace evgen {

ActNormImpl::ActNormImpl(int64_t dims) {
  log_scale_ = register_parameter("log_scale", torch::zeros({dims}));
  bias_ = register_parameter("bias", torch::zeros({dims}));
  initialized_ = register_buffer("initialized", torch::zeros({1}));
}

void ActNormImpl::InitializeFrom(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  const torch::Tensor mean = x.mean(0);
  // A batch of one row, or a constant dimension, keeps unit scale.
  const torch::Tensor sd = x.size(0) > 1 ? x.std(0, /*unbiased=*/false) : torch::ones_like(mean);
  bias_.copy_(-mean);
  log_scale_.copy_(-torch::log(sd.clamp_min(1e-6)));
  initialized_.fill_(1);
}

std::pair<torch::Tensor, torch::Tensor> ActNormImpl::Forward(const torch::Tensor& x, const torch::Tensor&) {
  if (is_training() && initialized_.item<float>() == 0) InitializeFrom(x);
  const torch::Tensor y = (x + bias_) * torch::exp(log_scale_);
  return {y, log_scale_.sum().expand({x.size(0)})};
}

torch::Tensor ActNormImpl::Inverse(const torch::Tensor& y, const torch::Tensor&) {
  return y * torch::exp(-log_scale_) - bias_;
}

}  // namespace evgen
