// set_generator.h: SetGenerator, the particle stage of the jet-cloud GAN:
// each member's input (its own noise, the jet's set noise, the jet's size
// n / N_max and conditions, joined by MemberInputs) passes through stacked
// ISAB blocks (core/models/nn/isab.h) and a per-member linear map to the
// target features. Permutation equivariant in the members; padded members
// (set_mask.h) change no real member's output and come out zero.
//
// Example:
//   SetGenerator g(/*inputs=*/MemberInputWidth(config), /*outputs=*/4, config.set_generator);
//   torch::Tensor x = g->forward(MemberInputs(member_noise, set_noise, sizes, conds, n_max), mask);
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "core/models/cloud/cloud_config.h"
#include "core/models/nn/isab.h"

namespace evgen {

// MemberInputWidth: member noise + set noise + size + conditions.
int64_t MemberInputWidth(const CloudConfig& config);

// MemberInputs joins member_noise [B, N, p] with the per-jet set_noise
// [B, g], sizes [B] (as n / n_max) and conditions [B, C], broadcast over
// the members: [B, N, p + g + 1 + C].
torch::Tensor MemberInputs(const torch::Tensor& member_noise, const torch::Tensor& set_noise,
                           const torch::Tensor& sizes, const torch::Tensor& conditions, int64_t n_max);

// SetFeatures: the per-jet inputs a set discriminator sees beside the
// pooled members, [B, 1 + C]: n / n_max and the conditions.
torch::Tensor SetFeatures(const torch::Tensor& sizes, const torch::Tensor& conditions, int64_t n_max);

class SetGeneratorImpl : public torch::nn::Module {
 public:
  SetGeneratorImpl(int64_t inputs, int64_t outputs, const SetNetSpec& spec);
  // forward: x [B, N, inputs], mask [B, N] (true = real) -> [B, N, outputs].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);

 private:
  std::vector<Isab> blocks_;
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(SetGenerator);

}  // namespace evgen
