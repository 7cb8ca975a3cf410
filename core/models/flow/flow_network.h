// flow_network.h: FlowNetwork, the stack of blocks that maps model-space
// targets x (and conditions c) to a latent z with a standard normal density:
//   for each block k: [ActNorm] -> coupling k -> mixing k (not after the last)
// so log p(x | c) = log N(z; 0, 1) + sum of the blocks' ln|det dz/dx|.
//
// The blocks' random parts (mixing permutations and rotations, the
// subnetworks' initial weights) come from `seed`; a network built to Load
// weights into may use any seed, since the mixings are saved buffers.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/models/flow/flow_block.h"
#include "core/models/flow/flow_config.h"

namespace evgen {

class FlowNetworkImpl : public torch::nn::Module {
 public:
  FlowNetworkImpl(int64_t dims, int64_t cond_dims, const FlowNetworkSpec& spec, uint64_t seed);

  // Forward returns (z, ln|det dz/dx|) for x [rows, D], cond [rows, C].
  std::pair<torch::Tensor, torch::Tensor> Forward(const torch::Tensor& x, const torch::Tensor& cond);
  // LogProb returns log p(x | c) in model space, [rows].
  torch::Tensor LogProb(const torch::Tensor& x, const torch::Tensor& cond);
  // Inverse maps latent z back to model space.
  torch::Tensor Inverse(const torch::Tensor& z, const torch::Tensor& cond);
  int64_t dims() const { return dims_; }

 private:
  int64_t dims_;
  std::vector<std::shared_ptr<FlowBlockImpl>> blocks_;
};
TORCH_MODULE(FlowNetwork);

// StandardNormalLogProb is sum_i log N(z_i; 0, 1) per row.
torch::Tensor StandardNormalLogProb(const torch::Tensor& z);

}  // namespace evgen
