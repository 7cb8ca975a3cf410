// jet_features.h: JetFeatures, the jet-level quantities a set discriminator
// may see beside its pooled members when config.jet_features is set: each
// jet's log pT and log mass, summed from its constituents as massless
// (core/io/massless_sum.h, the sum W1M is measured on), differentiably, in
// the model's standardised space.
//
// Why: the members' pooled mean lets the discriminator see the constituent
// marginals, but a jet's pT and mass are sums over all its constituents
// that a mean of per-member features represents only weakly. Without them
// the small preset's jets had the right constituent marginals and twice
// the truth's spread in jet pT and mass (docs/results.md, issue 17).
//
// Example:
//   JetFeatureMap map = *MakeJetFeatureMap(config, data);   // at Fit
//   torch::Tensor f = JetFeatures(members, mask, map);       // [B, 2]
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/jet_sets.h"

namespace evgen {

inline constexpr int64_t kJetFeatureCount = 2;  // log pT, log mass

// JetFeatureMap: where log_pt, eta_rel and phi_rel sit among the targets,
// how they map back to physical units, and the features' own
// standardisation over the training jets (so that they enter the
// discriminator at unit scale).
struct JetFeatureMap {
  int64_t log_pt = 0, eta = 0, phi = 0;
  double log_pt_mean = 0, log_pt_scale = 1, eta_mean = 0, eta_scale = 1, phi_mean = 0, phi_scale = 1;
  double feature_mean[kJetFeatureCount] = {0, 0};
  double feature_scale[kJetFeatureCount] = {1, 1};
};

// MakeJetFeatureMap finds the three columns among config.target_columns
// (InvalidArgument naming config.jet_features and the columns it needs
// otherwise) and standardises the features over the training jets.
[[nodiscard]] absl::StatusOr<JetFeatureMap> MakeJetFeatureMap(const CloudConfig& config, const JetSets& data);

// JetFeatures: members [B, N, targets] in model space, mask [B, N] ->
// [B, 2] standardised (log pT / GeV, log(m^2 / GeV^2 + 1) / 2); padded
// members contribute nothing.
torch::Tensor JetFeatures(const torch::Tensor& members, const torch::Tensor& mask, const JetFeatureMap& map);

}  // namespace evgen
