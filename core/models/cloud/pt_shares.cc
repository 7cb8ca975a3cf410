#include "core/models/cloud/pt_shares.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/models/cloud/cloud_constants.h"
#include "core/models/nn/set_mask.h"

namespace evgen {
namespace {

// The shares' projection on the jet axis is kept at least this fraction of
// their sum (cos 60 degrees): an untrained generator may place its hardest
// members far off the axis, and a projection near zero would blow pT up.
// Real jets (R = 0.8) have it above cos 0.8 = 0.7 whatever their shares.
constexpr double kMinAxisProjection = 0.5;

// A jet pT below this (GeV) is clamped before the log: a condition far
// outside the training range must not give log(0).
constexpr double kMinJetPtGev = 1e-3;

int64_t IndexOf(const std::vector<std::string>& columns, const std::string& name) {
  const auto it = std::find(columns.begin(), columns.end(), name);
  return it == columns.end() ? -1 : static_cast<int64_t>(it - columns.begin());
}

}  // namespace

absl::StatusOr<PtShareMap> MakePtShareMap(const CloudConfig& config, const Scaling& scaling) {
  PtShareMap map;
  map.log_pt = IndexOf(config.target_columns, cloud::kPtShareTargets[0]);
  map.phi = IndexOf(config.target_columns, cloud::kPtShareTargets[1]);
  map.jet_pt = IndexOf(config.condition_columns, cloud::kPtShareCondition);
  if (map.log_pt < 0 || map.phi < 0 || map.jet_pt < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config.pt_shares needs target columns log_pt and phi_rel and the condition column jet_pt_gev; ",
        "config.target_columns is [", absl::StrJoin(config.target_columns, ", "), "], config.condition_columns [",
        absl::StrJoin(config.condition_columns, ", "), "]"));
  }
  map.log_pt_mean = scaling.target_mean[map.log_pt];
  map.log_pt_scale = scaling.target_scale[map.log_pt];
  map.phi_mean = scaling.target_mean[map.phi];
  map.phi_scale = scaling.target_scale[map.phi];
  map.jet_pt_mean = scaling.condition_mean[map.jet_pt];
  map.jet_pt_scale = scaling.condition_scale[map.jet_pt];
  return map;
}

torch::Tensor ApplyPtShares(const torch::Tensor& members, const torch::Tensor& mask, const torch::Tensor& conditions,
                            const PtShareMap& map) {
  // The logit in units of the standardised log pT, so that a unit of
  // generator output moves a share as a unit moved log_pt before.
  const torch::Tensor logits = (members.select(2, map.log_pt) * map.log_pt_scale).masked_fill(~mask, kMaskedScore);
  const torch::Tensor log_shares = torch::log_softmax(logits, 1);
  const torch::Tensor phi = members.select(2, map.phi) * map.phi_scale + map.phi_mean;
  const torch::Tensor shares = torch::exp(log_shares) * mask.to(members.dtype());
  const torch::Tensor axis = (shares * torch::cos(phi)).sum(1).clamp_min(kMinAxisProjection);
  const torch::Tensor jet_pt = (conditions.select(1, map.jet_pt) * map.jet_pt_scale + map.jet_pt_mean)
                                   .clamp_min(kMinJetPtGev);
  const torch::Tensor log_pt = log_shares + (torch::log(jet_pt) - torch::log(axis)).unsqueeze(1);
  const torch::Tensor standardised = (log_pt - map.log_pt_mean) / map.log_pt_scale;
  std::vector<torch::Tensor> channels = members.unbind(2);
  channels[static_cast<size_t>(map.log_pt)] = torch::where(mask, standardised, torch::zeros_like(standardised));
  return torch::stack(channels, 2);
}

}  // namespace evgen
