#include "core/models/cloud/set_discriminator.h"

#include "absl/strings/str_cat.h"
#include "core/models/nn/set_mask.h"

namespace evgen {

torch::Tensor JoinConditions(const torch::Tensor& members, const torch::Tensor& conditions) {
  if (conditions.size(1) == 0) return members;
  return torch::cat({members, conditions.unsqueeze(1).expand({-1, members.size(1), -1})}, 2);
}

SetDiscriminatorImpl::SetDiscriminatorImpl(int64_t member_inputs, int64_t set_inputs, const SetNetSpec& spec,
                                           bool spectral_norm)
    : leaky_slope_(spec.leaky_slope) {
  int64_t width = member_inputs;
  for (size_t k = 0; k < spec.blocks.size(); ++k) {
    blocks_.push_back(register_module(absl::StrCat("isab", k), Isab(IsabOptions(width, spec.blocks[k])
                                                                        .heads(spec.heads)
                                                                        .inducing(spec.inducing)
                                                                        .leaky_slope(spec.leaky_slope)
                                                                        .spectral_norm(spectral_norm))));
    width = spec.blocks[k];
  }
  width += set_inputs;
  std::vector<int64_t> widths = spec.head;
  widths.push_back(1);
  for (size_t k = 0; k < widths.size(); ++k) {
    head_.push_back(register_module(absl::StrCat("head", k),
                                    SpectralLinear(SpectralLinearOptions(width, widths[k]).spectral_norm(spectral_norm))));
    width = widths[k];
  }
}

torch::Tensor SetDiscriminatorImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                            const torch::Tensor& set_features) {
  torch::Tensor h = x;
  for (Isab& block : blocks_) h = block->forward(h, mask);
  h = torch::cat({MaskedMean(h, mask), set_features}, 1);
  for (size_t k = 0; k < head_.size(); ++k) {
    h = head_[k]->forward(h);
    if (k + 1 < head_.size()) h = torch::leaky_relu(h, leaky_slope_);
  }
  return h.reshape({-1});
}

}  // namespace evgen
