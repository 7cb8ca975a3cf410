// pt_shares.h: the constraint config.pt_shares puts into the set generator:
// a jet's constituents share the jet pT it is given. The generator's log_pt
// output becomes a logit w_i per real member, and
//   pT_i = pT_jet * s_i / sum_j s_j cos(phi_rel_j),   s = softmax(w),
// so that the constituents' momenta along the jet axis add up to the jet pT
// given as the condition jet_pt_gev (in the jet-clouds layout that column is
// exactly the constituents' vector sum, and phi_rel is measured from it).
//
// Why: without it nothing ties the sum of the generated constituents to a
// jet pT; the small preset's jets came out with twice the truth's spread in
// jet pT and mass, and giving the jet pT only as an input (with pT relative
// to it as the target) did not pin it either (docs/results.md, issue 17).
// The constraint is in the architecture: every generated jet's pT along its
// axis is the condition, whatever the weights.
//
// Example:
//   PtShareMap map = *MakePtShareMap(config, data.scaling);   // at Fit and Load
//   members = ApplyPtShares(members, mask, conditions, map);   // model space
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/jet_sets.h"

namespace evgen {

// PtShareMap: where log_pt and phi_rel sit among the targets and jet_pt_gev
// among the conditions, and how each maps back to physical units.
struct PtShareMap {
  int64_t log_pt = 0, phi = 0, jet_pt = 0;
  double log_pt_mean = 0, log_pt_scale = 1, phi_mean = 0, phi_scale = 1, jet_pt_mean = 0, jet_pt_scale = 1;
};

// MakePtShareMap finds the columns (InvalidArgument naming config.pt_shares
// and the column it lacks otherwise).
[[nodiscard]] absl::StatusOr<PtShareMap> MakePtShareMap(const CloudConfig& config, const Scaling& scaling);

// ApplyPtShares replaces the log_pt channel of members [B, N, targets]
// (model space, the raw generator output) by the shares of the jet pT in
// conditions [B, C] (model space), over the real members of mask [B, N];
// the other channels and the padding (zero) are unchanged.
torch::Tensor ApplyPtShares(const torch::Tensor& members, const torch::Tensor& mask, const torch::Tensor& conditions,
                            const PtShareMap& map);

}  // namespace evgen
