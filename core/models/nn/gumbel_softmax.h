// gumbel_softmax.h: sampling a categorical variable so that gradients reach
// the logits (Jang, Gu, Poole 2017; Maddison et al. 2017), with the
// straight-through estimator: the forward value is exactly one-hot (what a
// discriminator sees of a real count), the gradient is that of the soft
// sample softmax((logits + g) / tau).
//
// The Gumbel noise is passed in as uniforms in (0, 1), so that the caller
// draws them from its keyed stream (training: a seeded generator per step;
// sampling: block_random.h by absolute jet index) and never from LibTorch's
// global generator.
//
// Example:
//   torch::Tensor u = torch::rand({batch, n_max}, generator).clamp(1e-7, 1 - 1e-7);
//   torch::Tensor one_hot = GumbelSoftmaxStraightThrough(logits, u, /*tau=*/1.0);
#pragma once

#include <torch/torch.h>

namespace evgen {

// GumbelNoise maps uniforms in (0, 1) to standard Gumbel deviates -log(-log u).
torch::Tensor GumbelNoise(const torch::Tensor& uniforms);

// GumbelSoftmaxStraightThrough returns a [..., K] tensor: in the forward
// pass exactly one-hot at argmax(logits + g) (g = GumbelNoise(uniforms)),
// differentiable as the soft sample at temperature tau > 0.
torch::Tensor GumbelSoftmaxStraightThrough(const torch::Tensor& logits, const torch::Tensor& uniforms,
                                           double tau);

// GumbelArgmax is the category the straight-through sample picks, without
// building a graph: argmax(logits + g) over the last dimension (tau does
// not change an argmax). Sampling uses this.
torch::Tensor GumbelArgmax(const torch::Tensor& logits, const torch::Tensor& uniforms);

}  // namespace evgen
