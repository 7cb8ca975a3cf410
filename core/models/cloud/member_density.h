// member_density.h: MemberDensity, per-constituent features a set
// discriminator may see beside each member with config.local_density: for
// each angular scale sigma, the share of the jet's pT near the member,
//   rho_i(sigma) = sum_j z_j exp(-theta_ij^2 / (2 sigma^2)),
// z_j = pT_j / sum_k pT_k and theta_ij the distance in (eta_rel, phi_rel),
// computed differentiably from the generated log_pt, eta_rel and phi_rel
// and standardised over the training jets' constituents.
//
// Why: a top jet's constituents sit in tight prongs, and its EFPs measure
// how pT pairs up at small and large angles. The ISAB discriminator's
// attention compares members by dot products of their features, not by
// their distance, and its inducing points pool before members meet. With
// the mass given, the small preset's jets had the mass right and the
// angles between their constituents too even: the one-edge and triangle
// EFPs too high at the same mass (docs/results.md, issue 17). The
// densities show each member how clustered its neighbourhood is, as
// message passing on distances does in MPGAN.
//
// Example:
//   std::optional<MemberDensityMap> map = *MakeMemberDensityMap(config, data);  // at Fit
//   if (map) x = torch::cat({x, MemberDensity(members, mask, *map)}, 2);        // [B, N, scales]
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/jet_sets.h"
#include "core/models/cloud/member_pairs.h"

namespace evgen {

// MemberDensityMap: the columns read, the scales (rad) and each density's
// standardisation over the training constituents.
struct MemberDensityMap {
  PairColumns columns;
  std::vector<double> scales;
  Standardisation scaling;
};

// MakeMemberDensityMap: nullopt when config.local_density is empty;
// InvalidArgument naming config.local_density and the column it lacks when
// a target is missing.
[[nodiscard]] absl::StatusOr<std::optional<MemberDensityMap>> MakeMemberDensityMap(const CloudConfig& config,
                                                                                  const JetSets& data);

// MemberDensity: members [B, N, targets] in model space, mask [B, N] ->
// [B, N, scales] standardised; padded members add no pT, and their own
// rows are whatever the padding gives (the discriminator masks them).
torch::Tensor MemberDensity(const torch::Tensor& members, const torch::Tensor& mask, const MemberDensityMap& map);

}  // namespace evgen
