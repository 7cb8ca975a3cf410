// jet_features.h: JetFeatures, the jet-level quantities a set discriminator
// may see beside its pooled members, computed from the constituents
// differentiably, in the model's standardised space:
//   config.jet_features: each jet's log pT and log mass, summed from its
//     constituents as massless (core/io/massless_sum.h, the sum W1M is
//     measured on);
//   config.jet_shapes: its girth, the pT-weighted mean distance
//     sqrt(eta_rel^2 + phi_rel^2) of the constituents from the axis, and
//     its pT dispersion pT_D = sqrt(sum pT_i^2) / sum pT_i.
//
// Why: the members' pooled mean lets the discriminator see the constituent
// marginals, but a jet's pT and mass, and how its pT is spread in angle
// and among its members, are sums over all its constituents that a mean
// of per-member features represents only weakly. Without the first the
// small preset's jets had twice the truth's spread in jet pT and mass;
// with the mass given, its jets were wider than the truth's at the same
// mass (docs/results.md, issue 17).
//
// Example:
//   JetFeatureMap map = *MakeJetFeatureMap(config, data);   // at Fit
//   torch::Tensor f = JetFeatures(members, mask, map);       // [B, JetFeatureCount(map)]
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/jet_sets.h"

namespace evgen {

// JetFeatureMap: which features (pT and mass, shapes), where log_pt,
// eta_rel and phi_rel sit among the targets, how they map back to physical
// units, and the features' own standardisation over the training jets (so
// that they enter the discriminator at unit scale).
struct JetFeatureMap {
  bool pt_mass = true, shapes = false;
  int64_t log_pt = 0, eta = 0, phi = 0;
  double log_pt_mean = 0, log_pt_scale = 1, eta_mean = 0, eta_scale = 1, phi_mean = 0, phi_scale = 1;
  std::vector<double> feature_mean, feature_scale;
};

// JetFeatureCount: 2 with pt_mass, 2 with shapes.
int64_t JetFeatureCount(const JetFeatureMap& map);

// MakeJetFeatureMap finds the three columns among config.target_columns
// (InvalidArgument naming config.jet_features or config.jet_shapes and the
// columns it needs otherwise) and standardises the features over the
// training jets. Call it when either option is set.
[[nodiscard]] absl::StatusOr<JetFeatureMap> MakeJetFeatureMap(const CloudConfig& config, const JetSets& data);

// FitJetFeatureMap: the map of the features chosen by pt_mass and shapes
// whatever config.jet_features and jet_shapes say, for another user of the
// features (config.efp_mmd.shapes), named `key` in errors.
[[nodiscard]] absl::StatusOr<JetFeatureMap> FitJetFeatureMap(const CloudConfig& config, const JetSets& data,
                                                             bool pt_mass, bool shapes, const char* key);

// JetFeatures: members [B, N, targets] in model space, mask [B, N] ->
// [B, JetFeatureCount] standardised: with pt_mass log pT / GeV and
// log(m^2 / GeV^2 + 1) / 2, then with shapes girth and pT_D; padded members
// contribute nothing.
torch::Tensor JetFeatures(const torch::Tensor& members, const torch::Tensor& mask, const JetFeatureMap& map);

}  // namespace evgen
