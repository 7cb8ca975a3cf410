// set_discriminator.h: SetDiscriminator, the critic of the particle stage:
// stacked ISAB blocks over the members (each joined with its jet's
// conditions), a masked mean over the real members (permutation
// invariant, blind to padding), then an MLP on the pooled vector joined
// with the jet's size and conditions (SetFeatures), giving one score per
// jet. With spectral_norm every linear map in it is spectrally normalised.
//
// Example:
//   SetDiscriminator d(/*member_inputs=*/4 + C, /*set_inputs=*/1 + C, config.set_discriminator, true);
//   torch::Tensor score = d->forward(members_with_conditions, mask, SetFeatures(sizes, conds, n_max));  // [B]
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "core/models/cloud/cloud_config.h"
#include "core/models/nn/isab.h"
#include "core/models/nn/spectral_linear.h"

namespace evgen {

// JoinConditions appends each jet's conditions [B, C] to its members
// [B, N, F]: [B, N, F + C] (x itself without conditions).
torch::Tensor JoinConditions(const torch::Tensor& members, const torch::Tensor& conditions);

class SetDiscriminatorImpl : public torch::nn::Module {
 public:
  SetDiscriminatorImpl(int64_t member_inputs, int64_t set_inputs, const SetNetSpec& spec, bool spectral_norm);
  // forward: x [B, N, member_inputs], mask [B, N], set_features [B, set_inputs] -> [B].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask, const torch::Tensor& set_features);

 private:
  std::vector<Isab> blocks_;
  std::vector<SpectralLinear> head_;
  double leaky_slope_;
};
TORCH_MODULE(SetDiscriminator);

}  // namespace evgen
