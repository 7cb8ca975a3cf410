#include "core/models/cloud/set_generator.h"

#include "absl/strings/str_cat.h"
#include "core/models/nn/set_mask.h"

namespace evgen {

int64_t MemberInputWidth(const CloudConfig& config) {
  return config.member_noise_dim + config.global_noise_dim + 1 +
         static_cast<int64_t>(config.condition_columns.size());
}

torch::Tensor SetFeatures(const torch::Tensor& sizes, const torch::Tensor& conditions, int64_t n_max) {
  const torch::Tensor size = sizes.to(conditions.dtype()).unsqueeze(1) / static_cast<double>(n_max);
  return torch::cat({size, conditions}, 1);
}

torch::Tensor MemberInputs(const torch::Tensor& member_noise, const torch::Tensor& set_noise,
                           const torch::Tensor& sizes, const torch::Tensor& conditions, int64_t n_max) {
  const int64_t n = member_noise.size(1);
  const torch::Tensor per_jet = torch::cat({set_noise, SetFeatures(sizes, conditions, n_max)}, 1);
  return torch::cat({member_noise, per_jet.unsqueeze(1).expand({-1, n, -1})}, 2);
}

SetGeneratorImpl::SetGeneratorImpl(int64_t inputs, int64_t outputs, const SetNetSpec& spec) {
  int64_t width = inputs;
  for (size_t k = 0; k < spec.blocks.size(); ++k) {
    blocks_.push_back(register_module(
        absl::StrCat("isab", k),
        Isab(IsabOptions(width, spec.blocks[k]).heads(spec.heads).inducing(spec.inducing).leaky_slope(spec.leaky_slope))));
    width = spec.blocks[k];
  }
  out_ = register_module("out", torch::nn::Linear(width, outputs));
}

torch::Tensor SetGeneratorImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  torch::Tensor h = x;
  for (Isab& block : blocks_) h = block->forward(h, mask);
  return ZeroPadding(out_->forward(h), mask);
}

}  // namespace evgen
