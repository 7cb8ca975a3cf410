// member_pairs.h: MemberPairs, what the set discriminator's distance
// features are made of (the local densities, member_density.h, and the
// pair angles, pair_angles.h): each jet's pT shares z_i and the squared
// angles theta_ij^2 between its members in (eta_rel, phi_rel), computed
// differentiably in physical units from the model-space log_pt, eta_rel
// and phi_rel; and the features' standardisation over the training jets,
// a chunk of jets at a time.
//
// Example:
//   PairColumns columns = *FindPairColumns(config, data.scaling, "local_density");
//   MemberPairs p = PairsOf(members, mask, columns);   // p.z [B, N], p.theta2 [B, N, N]
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/given_jet.h"
#include "core/models/cloud/jet_sets.h"

namespace evgen {

// PairColumns: where log_pt, eta_rel and phi_rel sit among the targets and
// how they map back to physical units.
struct PairColumns {
  ColumnMap log_pt, eta, phi;
};

// FindPairColumns: InvalidArgument naming config.<key> and the targets it
// needs when one of the three is missing.
[[nodiscard]] absl::StatusOr<PairColumns> FindPairColumns(const CloudConfig& config, const Scaling& scaling,
                                                          const char* key);

// MemberPairs: z [B, N] the members' shares of their jet's summed pT
// (padding 0), theta2 [B, N, N] the squared angles between every two
// members (padding rows hold whatever the padding gives).
struct MemberPairs {
  torch::Tensor z, theta2;
};

MemberPairs PairsOf(const torch::Tensor& members, const torch::Tensor& mask, const PairColumns& columns);

// Standardisation: a feature's mean and sd (1 where it is constant).
struct Standardisation {
  std::vector<double> mean, sd;
};

// StandardisationOver: the moments of `rows(members, mask)`, a [rows, K]
// float64 tensor per chunk of training jets, over all chunks: the pairwise
// angles of all training jets at once would take J N^2 doubles.
Standardisation StandardisationOver(
    const JetSets& data, const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& rows);

// RowsOver: `rows(members, mask)` over all training jets, a chunk at a
// time, concatenated ([rows, K] float64): for rows of a few per jet.
torch::Tensor RowsOver(const JetSets& data,
                       const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& rows);

// Standardised: x [..., K] -> (x - mean) / sd along its last dimension.
torch::Tensor Standardised(const torch::Tensor& x, const Standardisation& s);

}  // namespace evgen
