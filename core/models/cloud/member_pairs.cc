#include "core/models/cloud/member_pairs.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/models/cloud/cloud_constants.h"
#include "core/models/nn/set_mask.h"

namespace evgen {
namespace {

// Jets per chunk when a standardisation is computed over the training set.
constexpr int64_t kStatsChunk = 256;

// ForEachChunk calls `f(members, mask)` on the training jets, kStatsChunk at
// a time, members in float64.
void ForEachChunk(const JetSets& data,
                  const std::function<void(const torch::Tensor&, const torch::Tensor&)>& f) {
  for (int64_t first = 0; first < data.sizes.size(0); first += kStatsChunk) {
    const torch::Tensor mask = SizeMask(data.sizes.slice(0, first, first + kStatsChunk), data.members.size(1));
    f(data.members.slice(0, first, first + kStatsChunk).to(torch::kFloat64), mask);
  }
}

ColumnMap Target(const CloudConfig& config, const Scaling& scaling, const char* name) {
  return Column(ColumnPosition(config.target_columns, name), scaling.target_mean, scaling.target_scale);
}

}  // namespace

absl::StatusOr<PairColumns> FindPairColumns(const CloudConfig& config, const Scaling& scaling, const char* key) {
  PairColumns c{Target(config, scaling, cloud::kLogPtColumn), Target(config, scaling, cloud::kEtaColumn),
                Target(config, scaling, cloud::kPhiColumn)};
  if (c.log_pt.index < 0 || c.eta.index < 0 || c.phi.index < 0) {
    return absl::InvalidArgumentError(absl::StrCat("config.", key,
                                                   " needs target columns log_pt, eta_rel and phi_rel; "
                                                   "config.target_columns is [",
                                                   absl::StrJoin(config.target_columns, ", "), "]"));
  }
  return c;
}

MemberPairs PairsOf(const torch::Tensor& members, const torch::Tensor& mask, const PairColumns& columns) {
  const torch::Tensor log_pt = Physical(members, 2, columns.log_pt).clamp_max(cloud::kMaxLogPt);
  const torch::Tensor pt = torch::exp(log_pt) * mask.to(members.dtype());
  const torch::Tensor eta = Physical(members, 2, columns.eta), phi = Physical(members, 2, columns.phi);
  const torch::Tensor d_eta = eta.unsqueeze(2) - eta.unsqueeze(1);
  const torch::Tensor d_phi = phi.unsqueeze(2) - phi.unsqueeze(1);
  return {pt / pt.sum(1, true), d_eta * d_eta + d_phi * d_phi};  // a jet has at least one real member
}

Standardisation StandardisationOver(
    const JetSets& data, const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& rows) {
  torch::NoGradGuard no_grad;
  torch::Tensor sum, sum2;
  int64_t count = 0;
  ForEachChunk(data, [&](const torch::Tensor& members, const torch::Tensor& mask) {
    const torch::Tensor r = rows(members, mask);
    sum = sum.defined() ? sum + r.sum(0) : r.sum(0);
    sum2 = sum2.defined() ? sum2 + (r * r).sum(0) : (r * r).sum(0);
    count += r.size(0);
  });
  Standardisation s;
  for (int64_t k = 0; sum.defined() && k < sum.size(0); ++k) {
    const double mean = sum[k].item<double>() / count;
    const double var = sum2[k].item<double>() / count - mean * mean;
    s.mean.push_back(mean);
    s.sd.push_back(var > 0 ? std::sqrt(var) : 1);  // a constant feature keeps scale 1
  }
  return s;
}

torch::Tensor RowsOver(const JetSets& data,
                       const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& rows) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> chunks;
  ForEachChunk(data, [&](const torch::Tensor& members, const torch::Tensor& mask) {
    chunks.push_back(rows(members, mask));
  });
  return torch::cat(chunks, 0);
}

torch::Tensor Standardised(const torch::Tensor& x, const Standardisation& s) {
  const auto options = x.options();
  return (x - torch::tensor(s.mean, options)) / torch::tensor(s.sd, options);
}

}  // namespace evgen
