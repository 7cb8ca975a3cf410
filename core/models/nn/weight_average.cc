#include "core/models/nn/weight_average.h"

#include <algorithm>

namespace evgen {

std::vector<torch::Tensor> ModuleWeights(const torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (const torch::Tensor& p : module.parameters()) out.push_back(p.detach().clone());
  for (const torch::Tensor& b : module.buffers()) out.push_back(b.detach().clone());
  return out;
}

void SetModuleWeights(torch::nn::Module& module, const std::vector<torch::Tensor>& weights) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  for (torch::Tensor& p : module.parameters()) p.copy_(weights[i++]);
  for (torch::Tensor& b : module.buffers()) b.copy_(weights[i++]);
}

void UpdateWeightAverage(const torch::nn::Module& module, double decay, int64_t step,
                         std::vector<torch::Tensor>* average) {
  if (decay <= 0) return;
  torch::NoGradGuard no_grad;
  if (average->empty()) {
    *average = ModuleWeights(module);
    return;
  }
  const double keep = std::min(decay, (1.0 + static_cast<double>(step)) / (10.0 + static_cast<double>(step)));
  size_t i = 0;
  for (const torch::Tensor& p : module.parameters()) (*average)[i++].mul_(keep).add_(p.detach(), 1 - keep);
  for (const torch::Tensor& b : module.buffers()) (*average)[i++].copy_(b);
}

}  // namespace evgen
