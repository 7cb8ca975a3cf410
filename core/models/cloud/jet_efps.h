// jet_efps.h: JetEfps, jet-level features a set discriminator may see
// beside its pooled members with config.jet_efps: the logs of the jet's
// energy-flow polynomials of the 8 connected graphs with 1 to 3 edges,
//   EFP_G = sum_{i1..iN} z_i1 ... z_iN prod_{(k,l) in G} theta_ik,il,
// with z_i = pT_i / sum_k pT_k and theta_ij the distance in (eta_rel,
// phi_rel), the measure core/metrics/efp.h evaluates the metrics' EFPs with.
// Each graph has a closed form in the matrix theta (a few matrix-vector
// products; the triangle one matrix product per jet), computed
// differentiably from the generated log_pt, eta_rel and phi_rel and
// standardised over the training jets. Columns, in efp.h's order:
//   0-1 | 0-1 0-1 | 0-1 0-2 | 0-1 0-1 0-1 | 0-1 0-1 0-2 | 0-1 0-2 1-2
//   (the triangle) | 0-1 0-2 0-3 (the star) | 0-1 0-2 1-3 (the chain).
//
// Why: a classifier on the jets' 36 d <= 4 EFPs told every training of
// the jets preset from the truth (AUC 0.61-0.66), and a sample pooled from
// several trainings no less (0.62-0.64): what it sees is shared, not the
// seed's. On one training these 8 EFPs alone gave it 0.59 of the 0.62
// (docs/results.md, issue 17). The densities and pair angles show the
// discriminator angles around a member or between the hardest two; a sum
// over three and four members at once (the triangle, the star) it can
// only build from its pooled attention, weakly.
//
// Example:
//   std::optional<JetEfpMap> map = *MakeJetEfpMap(config, data);                 // at Fit
//   if (map) features = torch::cat({features, JetEfps(members, mask, *map)}, 1);  // [B, kJetEfpCount]
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/jet_sets.h"
#include "core/models/cloud/member_pairs.h"

namespace evgen {

// kJetEfpCount: the connected graphs with 1, 2 and 3 edges (1 + 2 + 5).
inline constexpr int64_t kJetEfpCount = 8;

// JetEfpCount: the connected graphs with 1 to `edges` (3 or 4) edges; with
// 4, the 12 of 4 edges follow the 8 (efp.h's kDUpTo4Connected, 20 in all).
inline constexpr int64_t JetEfpCount(int64_t edges) { return edges == 4 ? 20 : kJetEfpCount; }

// kJetEfpLogFloor is added to each EFP before the log: a jet whose pT sits
// on one point has EFPs near 0, whose log would pass the generator
// gradients of 1 / EFP. The truth's smallest EFPs of these graphs are
// orders of magnitude above it.
inline constexpr double kJetEfpLogFloor = 1e-6;

// JetEfpMap: the columns read and each feature's standardisation over the
// training jets.
struct JetEfpMap {
  PairColumns columns;
  Standardisation scaling;
  int64_t edges = 3;  // the graphs' largest number of edges, 3 or 4
};

// MakeJetEfpMap: nullopt when config.jet_efps is off; InvalidArgument
// naming config.jet_efps and the columns it needs when a target is missing.
[[nodiscard]] absl::StatusOr<std::optional<JetEfpMap>> MakeJetEfpMap(const CloudConfig& config, const JetSets& data);

// FitJetEfpMap: the map of the graphs with up to `edges` (3 or 4) edges
// whether or not config.jet_efps is on, for another user of the EFPs
// (config.efp_mmd), named `key` in errors.
[[nodiscard]] absl::StatusOr<JetEfpMap> FitJetEfpMap(const CloudConfig& config, const JetSets& data, const char* key,
                                                     int64_t edges);

// JetEfps: members [B, N, targets] in model space, mask [B, N] ->
// [B, JetEfpCount(map.edges)] standardised logs; padded members weigh
// nothing.
torch::Tensor JetEfps(const torch::Tensor& members, const torch::Tensor& mask, const JetEfpMap& map);

}  // namespace evgen
