// given_jet.h: constraints in the set generator that make each generated
// jet the jet its conditions give.
//
// config.pt_shares: the constituents share the jet pT given as jet_pt_gev.
// The generator's log_pt output becomes a logit w_i per real member, and
//   pT_i = pT_jet * s_i / sum_j s_j cos(phi_rel_j),   s = softmax(w),
// so that the constituents' momenta along the jet axis add up to the jet pT
// (in the jet-clouds layout jet_pt_gev is exactly the constituents' vector
// sum, and phi_rel is measured from it).
//
// config.mass_given as well: before the shares are taken, every member's
// (eta_rel, phi_rel) is scaled about the jet axis by one factor per jet,
// found by fixed-point steps, so that the constituents' massless sum
// (core/io/massless_sum.h) has the jet mass given as jet_mass_gev. The
// generator still places the members; the jet's angular size follows from
// its mass and pT (m ~ pT x size for a boosted jet). This is the mass
// constraint of JetFlow (Kach et al. 2022, cited in the Bardhan thesis),
// made exact. config.jet_radius R > 0 as well: every member is then pulled
// in radially, Delta R -> R tanh(Delta R / R) after the scaling, so none lies
// beyond the jet radius (the training jets' constituents are clustered
// within it) and the mass is still met.
//
// Why: without them nothing ties the sum of the generated constituents to a
// jet; the small preset's jets came out with twice the truth's spread in
// jet pT and mass, and giving the jet pT only as an input (with pT relative
// to it as the target) did not pin it either (docs/results.md, issue 17).
//
// Example:
//   std::optional<GivenJetMap> map = *MakeGivenJetMap(config, data.scaling);  // at Fit and Load
//   if (map) members = ApplyGivenJet(members, mask, conditions, *map);       // model space
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/jet_sets.h"

namespace evgen {

// ColumnMap: a column's index among the targets (or conditions) and how it
// maps back to physical units: x = x_model * scale + mean.
struct ColumnMap {
  int64_t index = -1;
  double mean = 0, scale = 1;
};

// Column: the ColumnMap of position `index` (-1: none) under a scaling's
// means and scales.
ColumnMap Column(int64_t index, const std::vector<double>& mean, const std::vector<double>& scale);

// Physical: column c of x along dim `dim`, in physical units.
torch::Tensor Physical(const torch::Tensor& x, int dim, const ColumnMap& c);

// GivenJetMap: the columns the constraints read and write; eta and jet_mass
// have index -1 without config.mass_given.
struct GivenJetMap {
  ColumnMap log_pt, eta, phi;  // targets
  ColumnMap jet_pt, jet_mass;  // conditions
  double radius = 0;           // config.jet_radius; 0: members anywhere within pi/2
};

// MakeGivenJetMap finds the columns (InvalidArgument naming the config key
// and the column it lacks otherwise); nullopt without config.pt_shares.
[[nodiscard]] absl::StatusOr<std::optional<GivenJetMap>> MakeGivenJetMap(const CloudConfig& config,
                                                                        const Scaling& scaling);

// ApplyGivenJet replaces the log_pt channel of members [B, N, targets]
// (model space, the raw generator output) by the shares of the jet pT in
// conditions [B, C] (model space), over the real members of mask [B, N],
// and with mass_given scales eta_rel and phi_rel to the jet mass; the other
// channels and the padding (zero) are unchanged.
torch::Tensor ApplyGivenJet(const torch::Tensor& members, const torch::Tensor& mask, const torch::Tensor& conditions,
                            const GivenJetMap& map);

}  // namespace evgen
