#include "core/models/cloud/member_density.h"

#include "core/status_macros.h"

namespace evgen {
namespace {

// Unscaled: [B, N, scales] before the standardisation.
torch::Tensor Unscaled(const torch::Tensor& members, const torch::Tensor& mask, const MemberDensityMap& map) {
  const MemberPairs pairs = PairsOf(members, mask, map.columns);
  std::vector<torch::Tensor> densities;
  for (const double sigma : map.scales) {
    const torch::Tensor kernel = torch::exp(-pairs.theta2 / (2 * sigma * sigma));
    densities.push_back(torch::matmul(kernel, pairs.z.unsqueeze(2)).squeeze(2));
  }
  return torch::stack(densities, 2);
}

}  // namespace

absl::StatusOr<std::optional<MemberDensityMap>> MakeMemberDensityMap(const CloudConfig& config,
                                                                    const JetSets& data) {
  if (config.local_density.empty()) return std::nullopt;
  MemberDensityMap map;
  EVGEN_ASSIGN_OR_RETURN(map.columns, FindPairColumns(config, data.scaling, "local_density"));
  map.scales = config.local_density;
  // Moments over the real members.
  map.scaling = StandardisationOver(data, [&map](const torch::Tensor& members, const torch::Tensor& mask) {
    return Unscaled(members, mask, map).index({mask});
  });
  return map;
}

torch::Tensor MemberDensity(const torch::Tensor& members, const torch::Tensor& mask, const MemberDensityMap& map) {
  return Standardised(Unscaled(members, mask, map), map.scaling);
}

}  // namespace evgen
