#include "core/models/nn/gumbel_softmax.h"

namespace evgen {

torch::Tensor GumbelNoise(const torch::Tensor& uniforms) { return -torch::log(-torch::log(uniforms)); }

torch::Tensor GumbelSoftmaxStraightThrough(const torch::Tensor& logits, const torch::Tensor& uniforms,
                                           double tau) {
  const torch::Tensor soft = torch::softmax((logits + GumbelNoise(uniforms)) / tau, -1);
  const torch::Tensor hard =
      torch::zeros_like(soft).scatter_(-1, soft.detach().argmax(-1, /*keepdim=*/true), 1.0);
  // hard + (soft - soft.detach()) rather than the usual hard - soft.detach()
  // + soft: the bracket is exactly 0 in the forward pass, so the value is
  // exactly one-hot (1 - s + s need not round to 1).
  return hard + (soft - soft.detach());
}

torch::Tensor GumbelArgmax(const torch::Tensor& logits, const torch::Tensor& uniforms) {
  torch::NoGradGuard no_grad;
  return (logits + GumbelNoise(uniforms)).argmax(-1);
}

}  // namespace evgen
