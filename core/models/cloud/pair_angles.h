// pair_angles.h: PairAngles, jet-level features a set discriminator may see
// beside its pooled members with config.pair_angles: for each power p, the
// mean angle between two members weighted towards the hardest pairs,
//   A_p = sum_{i != j} (z_i z_j)^p theta_ij / sum_{i != j} (z_i z_j)^p,
// z_i = pT_i / sum_k pT_k and theta_ij the distance in (eta_rel, phi_rel),
// computed differentiably from the generated log_pt, eta_rel and phi_rel
// and standardised over the training jets (0 for a jet of one member).
//
// Why: in a top jet the two hardest constituents mostly lie in different
// prongs (truth: median Delta R 0.17, 36% within 0.05). The given-jet
// model with local densities put them in one prong in half its jets
// (median 0.04), and that one observable told its jets from the truth's
// with AUC 0.585 (docs/results.md, issue 17). Neither the densities (what
// lies near each member) nor the pooled members say which two members are
// the hardest and how far apart they are; A_p does, smoothly: on the
// truth A_3 follows the hardest pair's Delta R (correlation 0.84) and
// separates that model's jets as well (AUC 0.597). A_1 is the one-edge
// EFP divided by 1 - sum_i z_i^2.
//
// Example:
//   std::optional<PairAngleMap> map = *MakePairAngleMap(config, data);       // at Fit
//   if (map) features = torch::cat({features, PairAngles(members, mask, *map)}, 1);  // [B, powers]
#pragma once

#include <torch/torch.h>

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/jet_sets.h"
#include "core/models/cloud/member_pairs.h"

namespace evgen {

// PairAngleMap: the columns read, the powers and each feature's
// standardisation over the training jets.
struct PairAngleMap {
  PairColumns columns;
  std::vector<double> powers;
  Standardisation scaling;
};

// MakePairAngleMap: nullopt when config.pair_angles is empty;
// InvalidArgument naming config.pair_angles and the columns it needs when a
// target is missing.
[[nodiscard]] absl::StatusOr<std::optional<PairAngleMap>> MakePairAngleMap(const CloudConfig& config,
                                                                          const JetSets& data);

// PairAngles: members [B, N, targets] in model space, mask [B, N] ->
// [B, powers] standardised; padded members weigh nothing.
torch::Tensor PairAngles(const torch::Tensor& members, const torch::Tensor& mask, const PairAngleMap& map);

}  // namespace evgen
