#include "core/models/cloud/pair_angles.h"

#include "core/status_macros.h"

namespace evgen {
namespace {

// Two members at one point have theta 0, where sqrt has no derivative;
// this (in rad^2) keeps the gradient finite there.
constexpr double kCoincidentEpsilon = 1e-12;

// Unscaled: [B, powers] before the standardisation.
torch::Tensor Unscaled(const torch::Tensor& members, const torch::Tensor& mask, const PairAngleMap& map) {
  const MemberPairs pairs = PairsOf(members, mask, map.columns);
  const int64_t n = members.size(1);
  const torch::Tensor off_diagonal = 1 - torch::eye(n, members.options());
  const torch::Tensor zz = pairs.z.unsqueeze(2) * pairs.z.unsqueeze(1) * off_diagonal;  // [B, N, N]
  const torch::Tensor theta = torch::sqrt(pairs.theta2 + kCoincidentEpsilon);
  std::vector<torch::Tensor> angles;
  for (const double p : map.powers) {
    const torch::Tensor w = zz.pow(p);
    const torch::Tensor weight = w.sum({1, 2});
    // A jet of one member has no pair: dividing by 1 there gives 0 and
    // keeps the backward pass free of 0 / 0.
    const torch::Tensor lone = (weight == 0).to(weight.dtype());
    angles.push_back((w * theta).sum({1, 2}) / (weight + lone));
  }
  return torch::stack(angles, 1);
}

}  // namespace

absl::StatusOr<std::optional<PairAngleMap>> MakePairAngleMap(const CloudConfig& config, const JetSets& data) {
  if (config.pair_angles.empty()) return std::nullopt;
  PairAngleMap map;
  EVGEN_ASSIGN_OR_RETURN(map.columns, FindPairColumns(config, data.scaling, "pair_angles"));
  map.powers = config.pair_angles;
  map.scaling = StandardisationOver(
      data, [&map](const torch::Tensor& members, const torch::Tensor& mask) { return Unscaled(members, mask, map); });
  return map;
}

torch::Tensor PairAngles(const torch::Tensor& members, const torch::Tensor& mask, const PairAngleMap& map) {
  return Standardised(Unscaled(members, mask, map), map.scaling);
}

}  // namespace evgen
