#include "core/models/flow/flow_block.h"

#include <string>

namespace evgen {

CouplingSplit::CouplingSplit(int64_t dims, int64_t block_index) {
  const int64_t lower = block_index % 2 == 0 ? dims / 2 : (dims + 1) / 2;
  const torch::Tensor all = torch::arange(dims, torch::kLong);
  const torch::Tensor first = all.slice(0, 0, lower), second = all.slice(0, lower, dims);
  pass = block_index % 2 == 0 ? first : second;
  change = block_index % 2 == 0 ? second : first;
  pass_dims = pass.size(0);
  change_dims = change.size(0);
}

int64_t CouplingSplit::SubnetInputs(int64_t cond_dims) const {
  return pass_dims + cond_dims > 0 ? pass_dims + cond_dims : 1;
}

torch::Tensor CouplingSplit::SubnetInput(const torch::Tensor& x, const torch::Tensor& cond) const {
  if (pass_dims + cond.size(1) == 0) return torch::zeros({x.size(0), 1}, x.options());
  if (pass_dims == 0) return cond;
  const torch::Tensor passed = x.index_select(1, pass.to(x.device()));
  return cond.size(1) > 0 ? torch::cat({passed, cond}, 1) : passed;
}

torch::Tensor CouplingSplit::Merge(const torch::Tensor& x, const torch::Tensor& changed) const {
  return x.index_copy(1, change.to(x.device()), changed);
}

void ZeroOutputLayer(torch::nn::Module& mlp, size_t hidden_layers) {
  torch::NoGradGuard no_grad;
  const std::string prefix = "linear" + std::to_string(hidden_layers) + ".";
  for (auto& p : mlp.named_parameters()) {
    if (p.key().rfind(prefix, 0) == 0) p.value().zero_();
  }
}

}  // namespace evgen
