// flow_block.h: FlowBlockImpl, one invertible layer of a normalizing flow
// (a coupling block, ActNorm or a fixed mixing), and the coupling split that
// the affine and spline couplings share.
//
// Direction: Forward maps the data side x to the latent side y and returns
// ln|det dy/dx| per row, which is what maximum likelihood needs; Inverse maps
// y back exactly (up to float rounding) and is what sampling runs.
// `cond` holds the standardized condition vector of each row ([rows, C],
// C = 0 for an unconditional flow); only coupling subnetworks read it.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace evgen {

class FlowBlockImpl : public torch::nn::Module {
 public:
  // Forward returns (y, ln|det dy/dx|) with y [rows, D] and the log-det [rows].
  virtual std::pair<torch::Tensor, torch::Tensor> Forward(const torch::Tensor& x,
                                                          const torch::Tensor& cond) = 0;
  virtual torch::Tensor Inverse(const torch::Tensor& y, const torch::Tensor& cond) = 0;
};

// CouplingSplit: which dimensions a coupling block changes and which it
// conditions on. Block k changes the upper half for even k and the lower
// half for odd k, so that two blocks in a row change every dimension even
// where the mixing between them happens to be the identity. With one
// dimension nothing passes and the subnetwork sees only the condition (or a
// constant), so the block learns a fixed monotone map.
struct CouplingSplit {
  torch::Tensor pass, change;  // int64 index tensors
  int64_t pass_dims = 0, change_dims = 0;

  CouplingSplit(int64_t dims, int64_t block_index);
  // SubnetInputs is the number of inputs of the subnetwork: the passed
  // dimensions, the conditions, or 1 (a constant zero) when both are empty.
  int64_t SubnetInputs(int64_t cond_dims) const;
  // SubnetInput returns [x_pass, cond], or one zero column when empty.
  torch::Tensor SubnetInput(const torch::Tensor& x, const torch::Tensor& cond) const;
  // Merge puts the changed dimensions back beside the passed ones.
  torch::Tensor Merge(const torch::Tensor& x, const torch::Tensor& changed) const;
};

// ZeroOutputLayer zeroes the last Linear of a subnetwork Mlp with
// `hidden_layers` hidden layers, so a new coupling block starts as the
// identity: a deep flow then starts at the base density (after ActNorm) and
// its first steps do not blow up.
void ZeroOutputLayer(torch::nn::Module& mlp, size_t hidden_layers);

}  // namespace evgen
