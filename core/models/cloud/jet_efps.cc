#include "core/models/cloud/jet_efps.h"

#include <vector>

#include "core/status_macros.h"

namespace evgen {
namespace {

// Two members at one point have theta 0, where sqrt has no derivative;
// this (in rad^2) keeps the gradient finite there.
constexpr double kCoincidentEpsilon = 1e-12;

// Sum over the members: [B, N] -> [B].
torch::Tensor Total(const torch::Tensor& x) { return x.sum(1); }

// Times: theta [B, N, N] applied to a per-member vector [B, N].
torch::Tensor Times(const torch::Tensor& theta, const torch::Tensor& x) {
  return torch::matmul(theta, x.unsqueeze(2)).squeeze(2);
}

// Unscaled: [B, kJetEfpCount], the logs before the standardisation. Each
// sum over a graph's vertices is done from its leaves inwards: v_i = sum_j
// theta_ij z_j is the sum over a pendant vertex.
torch::Tensor Unscaled(const torch::Tensor& members, const torch::Tensor& mask, const JetEfpMap& map) {
  const MemberPairs pairs = PairsOf(members, mask, map.columns);
  const torch::Tensor& z = pairs.z;
  const int64_t n = members.size(1);
  const torch::Tensor off_diagonal = 1 - torch::eye(n, members.options());
  const torch::Tensor theta = torch::sqrt(pairs.theta2 + kCoincidentEpsilon) * off_diagonal;
  const torch::Tensor theta2 = pairs.theta2 * off_diagonal;
  const torch::Tensor v = Times(theta, z), v2 = Times(theta2, z), v3 = Times(theta2 * theta, z);
  const torch::Tensor w = z * v;
  // The triangle: sum_ij z_i z_j theta_ij (sum_k theta_ik z_k theta_kj).
  const torch::Tensor through = torch::matmul(theta * z.unsqueeze(1), theta);
  const torch::Tensor triangle = (z.unsqueeze(2) * z.unsqueeze(1) * theta * through).sum({1, 2});
  const std::vector<torch::Tensor> efps = {
      Total(z * v),           // 0-1
      Total(z * v2),          // 0-1 0-1
      Total(z * v * v),       // 0-1 0-2
      Total(z * v3),          // 0-1 0-1 0-1
      Total(z * v2 * v),      // 0-1 0-1 0-2
      triangle,               // 0-1 0-2 1-2
      Total(z * v * v * v),   // 0-1 0-2 0-3
      Total(w * Times(theta, w))};  // 0-1 0-2 1-3
  return torch::log(torch::stack(efps, 1) + kJetEfpLogFloor);
}

}  // namespace

absl::StatusOr<JetEfpMap> FitJetEfpMap(const CloudConfig& config, const JetSets& data, const char* key) {
  JetEfpMap map;
  EVGEN_ASSIGN_OR_RETURN(map.columns, FindPairColumns(config, data.scaling, key));
  map.scaling = StandardisationOver(
      data, [&map](const torch::Tensor& members, const torch::Tensor& mask) { return Unscaled(members, mask, map); });
  return map;
}

absl::StatusOr<std::optional<JetEfpMap>> MakeJetEfpMap(const CloudConfig& config, const JetSets& data) {
  if (!config.jet_efps) return std::nullopt;
  return FitJetEfpMap(config, data, "jet_efps");
}

torch::Tensor JetEfps(const torch::Tensor& members, const torch::Tensor& mask, const JetEfpMap& map) {
  return Standardised(Unscaled(members, mask, map), map.scaling);
}

}  // namespace evgen
