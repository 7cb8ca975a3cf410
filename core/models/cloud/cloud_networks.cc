#include "core/models/cloud/cloud_networks.h"

#include <utility>

#include "core/status_macros.h"

namespace evgen {
namespace {

int64_t Conditions(const CloudConfig& config) { return static_cast<int64_t>(config.condition_columns.size()); }

}  // namespace

CloudGeneratorImpl::CloudGeneratorImpl(const CloudConfig& config, const MlpSpec& sizes_spec, int64_t targets,
                                       std::optional<GivenJetMap> given_jet)
    : n_max_(config.max_constituents), given_jet_(std::move(given_jet)) {
  sizes_ = register_module("sizes", Mlp(config.global_noise_dim + Conditions(config), n_max_, sizes_spec));
  set_ = register_module("set", SetGenerator(MemberInputWidth(config), targets, config.set_generator));
}

torch::Tensor CloudGeneratorImpl::SizeLogits(const torch::Tensor& z, const torch::Tensor& conditions) {
  return sizes_->forward(torch::cat({z, conditions}, 1));
}

torch::Tensor CloudGeneratorImpl::Members(const torch::Tensor& member_noise, const torch::Tensor& set_noise,
                                          const torch::Tensor& sizes, const torch::Tensor& conditions,
                                          const torch::Tensor& mask) {
  const torch::Tensor members = set_->forward(MemberInputs(member_noise, set_noise, sizes, conditions, n_max_), mask);
  return given_jet_ ? ApplyGivenJet(members, mask, conditions, *given_jet_) : members;
}

absl::StatusOr<DiscriminatorFeatures> MakeDiscriminatorFeatures(const CloudConfig& config, const JetSets& data) {
  DiscriminatorFeatures f;
  if (config.jet_features || config.jet_shapes) {
    EVGEN_ASSIGN_OR_RETURN(f.jet, MakeJetFeatureMap(config, data));
  }
  EVGEN_ASSIGN_OR_RETURN(f.density, MakeMemberDensityMap(config, data));
  EVGEN_ASSIGN_OR_RETURN(f.pairs, MakePairAngleMap(config, data));
  EVGEN_ASSIGN_OR_RETURN(f.efps, MakeJetEfpMap(config, data));
  return f;
}

CloudDiscriminatorImpl::CloudDiscriminatorImpl(const CloudConfig& config, MlpSpec sizes_spec, int64_t targets,
                                               DiscriminatorFeatures features)
    : n_max_(config.max_constituents), features_(std::move(features)) {
  sizes_spec.spectral_norm = config.spectral_norm;
  sizes_spec.output = "linear";
  sizes_ = register_module("sizes", Mlp(n_max_ + Conditions(config), 1, sizes_spec));
  const int64_t jet_features = features_.jet ? JetFeatureCount(*features_.jet) : 0;
  const int64_t pair_angles = features_.pairs ? static_cast<int64_t>(features_.pairs->powers.size()) : 0;
  const int64_t efps = features_.efps ? kJetEfpCount : 0;
  const int64_t set_inputs = 1 + Conditions(config) + jet_features + pair_angles + efps;
  const int64_t densities = features_.density ? static_cast<int64_t>(features_.density->scales.size()) : 0;
  const int64_t member_inputs = targets + Conditions(config) + densities;
  set_ = register_module("set", SetDiscriminator(member_inputs, set_inputs, config.set_discriminator,
                                                 config.spectral_norm));
}

torch::Tensor CloudDiscriminatorImpl::SizeScore(const torch::Tensor& one_hot, const torch::Tensor& conditions) {
  return sizes_->forward(torch::cat({one_hot, conditions}, 1)).reshape({-1});
}

torch::Tensor CloudDiscriminatorImpl::SetScore(const torch::Tensor& members, const torch::Tensor& mask,
                                               const torch::Tensor& sizes, const torch::Tensor& conditions) {
  torch::Tensor features = SetFeatures(sizes, conditions, n_max_);
  if (features_.jet) features = torch::cat({features, JetFeatures(members, mask, *features_.jet)}, 1);
  if (features_.pairs) features = torch::cat({features, PairAngles(members, mask, *features_.pairs)}, 1);
  if (features_.efps) features = torch::cat({features, JetEfps(members, mask, *features_.efps)}, 1);
  torch::Tensor inputs = JoinConditions(members, conditions);
  if (features_.density) inputs = torch::cat({inputs, MemberDensity(members, mask, *features_.density)}, 2);
  return set_->forward(inputs, mask, features);
}

}  // namespace evgen
