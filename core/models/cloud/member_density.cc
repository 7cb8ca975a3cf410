#include "core/models/cloud/member_density.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/models/cloud/cloud_constants.h"
#include "core/models/nn/set_mask.h"

namespace evgen {
namespace {

// Jets per chunk when the standardisation is computed over the training set.
constexpr int64_t kStatsChunk = 256;

// Unscaled: [B, N, scales] before the standardisation.
torch::Tensor Unscaled(const torch::Tensor& members, const torch::Tensor& mask, const MemberDensityMap& map) {
  const torch::Tensor log_pt = Physical(members, 2, map.log_pt).clamp_max(cloud::kMaxLogPt);
  const torch::Tensor pt = torch::exp(log_pt) * mask.to(members.dtype());
  const torch::Tensor z = pt / pt.sum(1, true);  // a jet has at least one real member
  const torch::Tensor eta = Physical(members, 2, map.eta), phi = Physical(members, 2, map.phi);
  const torch::Tensor d_eta = eta.unsqueeze(2) - eta.unsqueeze(1);
  const torch::Tensor d_phi = phi.unsqueeze(2) - phi.unsqueeze(1);
  const torch::Tensor theta2 = d_eta * d_eta + d_phi * d_phi;  // [B, N, N]
  std::vector<torch::Tensor> densities;
  for (const double sigma : map.scales) {
    const torch::Tensor kernel = torch::exp(-theta2 / (2 * sigma * sigma));
    densities.push_back(torch::matmul(kernel, z.unsqueeze(2)).squeeze(2));
  }
  return torch::stack(densities, 2);
}

ColumnMap Target(const CloudConfig& config, const Scaling& scaling, const char* name) {
  return Column(ColumnPosition(config.target_columns, name), scaling.target_mean, scaling.target_scale);
}

}  // namespace

absl::StatusOr<std::optional<MemberDensityMap>> MakeMemberDensityMap(const CloudConfig& config,
                                                                    const JetSets& data) {
  if (config.local_density.empty()) return std::nullopt;
  MemberDensityMap map;
  map.log_pt = Target(config, data.scaling, cloud::kLogPtColumn);
  map.eta = Target(config, data.scaling, cloud::kEtaColumn);
  map.phi = Target(config, data.scaling, cloud::kPhiColumn);
  if (map.log_pt.index < 0 || map.eta.index < 0 || map.phi.index < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config.local_density needs target columns log_pt, eta_rel and phi_rel; config.target_columns is [",
        absl::StrJoin(config.target_columns, ", "), "]"));
  }
  map.scales = config.local_density;
  // Moments over the real members, a chunk of jets at a time: the pairwise
  // distances of all training jets at once would take J N^2 doubles.
  torch::NoGradGuard no_grad;
  const int64_t scales = static_cast<int64_t>(map.scales.size());
  torch::Tensor sum = torch::zeros({scales}, torch::kFloat64), sum2 = torch::zeros({scales}, torch::kFloat64);
  int64_t count = 0;
  for (int64_t first = 0; first < data.sizes.size(0); first += kStatsChunk) {
    const torch::Tensor sizes = data.sizes.slice(0, first, first + kStatsChunk);
    const torch::Tensor mask = SizeMask(sizes, data.members.size(1));
    const torch::Tensor members = data.members.slice(0, first, first + kStatsChunk).to(torch::kFloat64);
    const torch::Tensor real = Unscaled(members, mask, map).index({mask});  // [members, scales]
    sum += real.sum(0);
    sum2 += (real * real).sum(0);
    count += real.size(0);
  }
  for (int64_t k = 0; k < scales; ++k) {
    const double mean = sum[k].item<double>() / count;
    const double var = sum2[k].item<double>() / count - mean * mean;
    map.mean.push_back(mean);
    map.sd.push_back(var > 0 ? std::sqrt(var) : 1);  // a constant density keeps scale 1
  }
  return map;
}

torch::Tensor MemberDensity(const torch::Tensor& members, const torch::Tensor& mask, const MemberDensityMap& map) {
  const torch::Tensor rho = Unscaled(members, mask, map);
  const auto options = rho.options();
  return (rho - torch::tensor(map.mean, options)) / torch::tensor(map.sd, options);
}

}  // namespace evgen
