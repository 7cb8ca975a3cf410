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

// Angles: theta and its elementwise powers, zero on the diagonal.
struct Angles {
  torch::Tensor t1, t2, t3, t4;
};

Angles AnglesOf(const MemberPairs& pairs, int64_t n) {
  const torch::Tensor off_diagonal = 1 - torch::eye(n, pairs.theta2.options());
  Angles a;
  a.t1 = torch::sqrt(pairs.theta2 + kCoincidentEpsilon) * off_diagonal;
  a.t2 = pairs.theta2 * off_diagonal;
  a.t3 = a.t2 * a.t1;
  a.t4 = a.t2 * a.t2;
  return a;
}

// UpToThreeEdges: the 8 connected graphs with 1 to 3 edges, in efp.h's
// order. Each sum over a graph's vertices is done from its leaves inwards:
// v_i = sum_j theta_ij z_j is the sum over a pendant vertex.
std::vector<torch::Tensor> UpToThreeEdges(const torch::Tensor& z, const Angles& a) {
  const torch::Tensor v = Times(a.t1, z), v2 = Times(a.t2, z), v3 = Times(a.t3, z);
  const torch::Tensor w = z * v;
  // The triangle: sum_ij z_i z_j theta_ij (sum_k theta_ik z_k theta_kj).
  const torch::Tensor through = torch::matmul(a.t1 * z.unsqueeze(1), a.t1);
  const torch::Tensor triangle = (z.unsqueeze(2) * z.unsqueeze(1) * a.t1 * through).sum({1, 2});
  return {Total(z * v),           // 0-1
          Total(z * v2),          // 0-1 0-1
          Total(z * v * v),       // 0-1 0-2
          Total(z * v3),          // 0-1 0-1 0-1
          Total(z * v2 * v),      // 0-1 0-1 0-2
          triangle,               // 0-1 0-2 1-2
          Total(z * v * v * v),   // 0-1 0-2 0-3
          Total(w * Times(a.t1, w))};  // 0-1 0-2 1-3
}

// FourEdges: the 12 connected graphs with 4 edges, in efp.h's order, from
// the leaves inwards as above; the cycles go through
// m_ij = sum_k theta_ik z_k theta_kj (one matrix product, B N^3).
std::vector<torch::Tensor> FourEdges(const torch::Tensor& z, const Angles& a) {
  const torch::Tensor v = Times(a.t1, z), v2 = Times(a.t2, z), v3 = Times(a.t3, z), v4 = Times(a.t4, z);
  const torch::Tensor w = z * v;           // a member with its pendant sum
  const torch::Tensor u = Times(a.t1, w);  // a pendant chain of two
  const torch::Tensor zz = z.unsqueeze(2) * z.unsqueeze(1);
  const torch::Tensor m = torch::matmul(a.t1 * z.unsqueeze(1), a.t1);
  // loop_i = sum_jk theta_ij z_j theta_jk z_k theta_ki, the triangles through i.
  const torch::Tensor loop = ((a.t1 * z.unsqueeze(1)) * m).sum(2);
  return {Total(z * v4),                // 0-1 0-1 0-1 0-1
          Total(z * v3 * v),            // 0-1 0-1 0-1 0-2
          Total(z * v2 * v2),           // 0-1 0-1 0-2 0-2
          (zz * a.t2 * m).sum({1, 2}),  // 0-1 0-1 0-2 1-2
          Total(z * v2 * v * v),        // 0-1 0-1 0-2 0-3
          Total(w * Times(a.t2, w)),    // 0-1 0-1 0-2 1-3
          Total(z * v2 * u),            // 0-1 0-1 0-2 2-3
          Total(w * loop),              // 0-1 0-2 0-3 1-2
          (zz * m * m).sum({1, 2}),     // 0-1 0-2 1-3 2-3
          Total(z * v * v * v * v),     // 0-1 0-2 0-3 0-4
          Total(z * v * v * u),         // 0-1 0-2 0-3 1-4
          Total(z * u * u)};            // 0-1 0-2 1-3 2-4
}

// Unscaled: [B, JetEfpCount(map.edges)], the logs before the
// standardisation.
torch::Tensor Unscaled(const torch::Tensor& members, const torch::Tensor& mask, const JetEfpMap& map) {
  const MemberPairs pairs = PairsOf(members, mask, map.columns);
  const Angles a = AnglesOf(pairs, members.size(1));
  std::vector<torch::Tensor> efps = UpToThreeEdges(pairs.z, a);
  if (map.edges == 4) {
    for (torch::Tensor& e : FourEdges(pairs.z, a)) efps.push_back(std::move(e));
  }
  return torch::log(torch::stack(efps, 1) + kJetEfpLogFloor);
}

}  // namespace

absl::StatusOr<JetEfpMap> FitJetEfpMap(const CloudConfig& config, const JetSets& data, const char* key,
                                       int64_t edges) {
  JetEfpMap map;
  map.edges = edges;
  EVGEN_ASSIGN_OR_RETURN(map.columns, FindPairColumns(config, data.scaling, key));
  map.scaling = StandardisationOver(
      data, [&map](const torch::Tensor& members, const torch::Tensor& mask) { return Unscaled(members, mask, map); });
  return map;
}

absl::StatusOr<std::optional<JetEfpMap>> MakeJetEfpMap(const CloudConfig& config, const JetSets& data) {
  if (!config.jet_efps) return std::nullopt;
  return FitJetEfpMap(config, data, "jet_efps", 3);
}

torch::Tensor JetEfps(const torch::Tensor& members, const torch::Tensor& mask, const JetEfpMap& map) {
  return Standardised(Unscaled(members, mask, map), map.scaling);
}

}  // namespace evgen
