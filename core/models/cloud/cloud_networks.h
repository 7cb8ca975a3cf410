// cloud_networks.h: the two generators and the two discriminators of the
// jet-cloud GAN (Bardhan 2023, ch. 7), each pair one module so that it is
// saved, loaded, moved and optimised as one.
//
// CloudGenerator: sizes stage, an Mlp from the global noise (and the
// conditions) to logits over sizes 1..N_max; particle stage, a SetGenerator
// (set_generator.h), whose jets are made the jets their conditions give
// with config.pt_shares and mass_given (given_jet.h). CloudDiscriminator: sizes stage, an Mlp with Swish and
// the norm its spec names (layer norm in the presets, the thesis' batch
// norm undoes the spectral norm: docs/physics.md) on the one-hot size (and
// the conditions); particle stage, a SetDiscriminator (set_discriminator.h),
// given the DiscriminatorFeatures the config asks for. Both
// discriminators are spectrally normalised when config.spectral_norm is set.
//
// Example:
//   CloudGenerator g(config, sizes_spec, /*targets=*/4);
//   torch::Tensor logits = g->SizeLogits(z_sizes, conditions);  // [B, N_max]
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/given_jet.h"
#include "core/models/cloud/jet_efps.h"
#include "core/models/cloud/jet_features.h"
#include "core/models/cloud/jet_sets.h"
#include "core/models/cloud/member_density.h"
#include "core/models/cloud/pair_angles.h"
#include "core/models/cloud/set_discriminator.h"
#include "core/models/cloud/set_generator.h"
#include "core/models/nn/mlp.h"

namespace evgen {

class CloudGeneratorImpl : public torch::nn::Module {
 public:
  // given_jet: given, the members are made the jet their conditions give
  // (given_jet.h), at training and at sampling alike.
  CloudGeneratorImpl(const CloudConfig& config, const MlpSpec& sizes_spec, int64_t targets,
                     std::optional<GivenJetMap> given_jet = std::nullopt);
  // SizeLogits: z [B, global_dim], conditions [B, C] -> [B, N_max]; logit k
  // is that of size k + 1.
  torch::Tensor SizeLogits(const torch::Tensor& z, const torch::Tensor& conditions);
  // Members: member_noise [B, N, member_dim], set_noise [B, global_dim],
  // sizes [B], conditions [B, C] -> [B, N, targets], padding zero.
  torch::Tensor Members(const torch::Tensor& member_noise, const torch::Tensor& set_noise, const torch::Tensor& sizes,
                        const torch::Tensor& conditions, const torch::Tensor& mask);
  // sizes is the sizes stage alone (the trainer keeps its best state).
  torch::nn::Module& sizes() { return *sizes_; }
  // members is the particle stage alone (the trainer may average it).
  torch::nn::Module& members() { return *set_; }

 private:
  int64_t n_max_;
  std::optional<GivenJetMap> given_jet_;
  Mlp sizes_{nullptr};
  SetGenerator set_{nullptr};
};
TORCH_MODULE(CloudGenerator);

// DiscriminatorFeatures: what the set discriminator sees beyond the
// members and the conditions, each computed from the members and set up
// over the training jets at Fit. jet: each jet's JetFeatures
// (config.jet_features, jet_shapes); pairs: its PairAngles
// (config.pair_angles); efps: its JetEfps (config.jet_efps), all beside
// its size; density: every member's MemberDensity (config.local_density).
struct DiscriminatorFeatures {
  std::optional<JetFeatureMap> jet;
  std::optional<MemberDensityMap> density;
  std::optional<PairAngleMap> pairs;
  std::optional<JetEfpMap> efps;
};

// MakeDiscriminatorFeatures: the features config asks for, standardised
// over `data`; InvalidArgument naming the config key when one cannot be
// computed from the targets.
[[nodiscard]] absl::StatusOr<DiscriminatorFeatures> MakeDiscriminatorFeatures(const CloudConfig& config,
                                                                             const JetSets& data);

class CloudDiscriminatorImpl : public torch::nn::Module {
 public:
  CloudDiscriminatorImpl(const CloudConfig& config, MlpSpec sizes_spec, int64_t targets,
                         DiscriminatorFeatures features = {});
  // SizeScore: one_hot [B, N_max] (exact or straight-through), conditions -> [B].
  torch::Tensor SizeScore(const torch::Tensor& one_hot, const torch::Tensor& conditions);
  // SetScore: members [B, N, targets], mask [B, N], sizes [B], conditions -> [B].
  torch::Tensor SetScore(const torch::Tensor& members, const torch::Tensor& mask, const torch::Tensor& sizes,
                         const torch::Tensor& conditions);

 private:
  int64_t n_max_;
  DiscriminatorFeatures features_;
  Mlp sizes_{nullptr};
  SetDiscriminator set_{nullptr};
};
TORCH_MODULE(CloudDiscriminator);

}  // namespace evgen
