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

// Sums: the angle matrix and what the graphs share, each computed once:
// v_k = theta^k z (the sum over a pendant vertex through an edge of
// multiplicity k), w = z v, and m_ij = sum_k theta_ik z_k theta_kj (a
// path of two edges, one matrix product, B N^3).
struct Sums {
  torch::Tensor z, t1, t2, v, v2, v3, w, m;
};

Sums SumsOf(const MemberPairs& pairs, int64_t n) {
  const torch::Tensor off_diagonal = 1 - torch::eye(n, pairs.theta2.options());
  Sums s;
  s.z = pairs.z;
  s.t1 = torch::sqrt(pairs.theta2 + kCoincidentEpsilon) * off_diagonal;
  s.t2 = pairs.theta2 * off_diagonal;
  s.v = Times(s.t1, s.z);
  s.v2 = Times(s.t2, s.z);
  s.v3 = Times(s.t2 * s.t1, s.z);
  s.w = s.z * s.v;
  s.m = torch::matmul(s.t1 * s.z.unsqueeze(1), s.t1);
  return s;
}

// UpToThreeEdges: the 8 connected graphs with 1 to 3 edges, in efp.h's
// order, each summed from its leaves inwards.
std::vector<torch::Tensor> UpToThreeEdges(const Sums& s) {
  const torch::Tensor &z = s.z, &v = s.v;
  // The triangle: sum_ij z_i z_j theta_ij m_ij.
  const torch::Tensor triangle = (z.unsqueeze(2) * z.unsqueeze(1) * s.t1 * s.m).sum({1, 2});
  return {Total(z * v),                  // 0-1
          Total(z * s.v2),               // 0-1 0-1
          Total(z * v * v),              // 0-1 0-2
          Total(z * s.v3),               // 0-1 0-1 0-1
          Total(z * s.v2 * v),           // 0-1 0-1 0-2
          triangle,                      // 0-1 0-2 1-2
          Total(z * v * v * v),          // 0-1 0-2 0-3
          Total(s.w * Times(s.t1, s.w))};  // 0-1 0-2 1-3
}

// FourEdges: the 12 connected graphs with 4 edges, in efp.h's order, from
// the leaves inwards as above; the cycles go through m.
std::vector<torch::Tensor> FourEdges(const Sums& s) {
  const torch::Tensor &z = s.z, &v = s.v, &v2 = s.v2, &w = s.w, &m = s.m;
  const torch::Tensor v4 = Times(s.t2 * s.t2, z);
  const torch::Tensor u = Times(s.t1, w);  // a pendant chain of two
  const torch::Tensor zz = z.unsqueeze(2) * z.unsqueeze(1);
  // loop_i = sum_jk theta_ij z_j theta_jk z_k theta_ki, the triangles through i.
  const torch::Tensor loop = ((s.t1 * z.unsqueeze(1)) * m).sum(2);
  return {Total(z * v4),                // 0-1 0-1 0-1 0-1
          Total(z * s.v3 * v),          // 0-1 0-1 0-1 0-2
          Total(z * v2 * v2),           // 0-1 0-1 0-2 0-2
          (zz * s.t2 * m).sum({1, 2}),  // 0-1 0-1 0-2 1-2
          Total(z * v2 * v * v),        // 0-1 0-1 0-2 0-3
          Total(w * Times(s.t2, w)),    // 0-1 0-1 0-2 1-3
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
  const Sums sums = SumsOf(pairs, members.size(1));
  std::vector<torch::Tensor> efps = UpToThreeEdges(sums);
  if (map.edges == 4) {
    for (torch::Tensor& e : FourEdges(sums)) efps.push_back(std::move(e));
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
