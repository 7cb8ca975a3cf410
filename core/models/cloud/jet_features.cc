#include "core/models/cloud/jet_features.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/models/cloud/cloud_constants.h"
#include "core/models/nn/set_mask.h"

namespace evgen {
namespace {

// A constituent on the axis has distance 0, where sqrt has no derivative;
// this (in rad^2) keeps the girth's gradient finite there.
constexpr double kAxisEpsilon = 1e-12;

// Unscaled: the features before their own standardisation.
torch::Tensor Unscaled(const torch::Tensor& members, const torch::Tensor& mask, const JetFeatureMap& map) {
  const torch::Tensor real = mask.to(members.dtype());
  const torch::Tensor log_pt = members.select(2, map.log_pt) * map.log_pt_scale + map.log_pt_mean;
  const torch::Tensor eta = members.select(2, map.eta) * map.eta_scale + map.eta_mean;
  const torch::Tensor phi = members.select(2, map.phi) * map.phi_scale + map.phi_mean;
  const torch::Tensor pt = torch::exp(log_pt.clamp_max(cloud::kMaxLogPt)) * real;
  std::vector<torch::Tensor> features;
  if (map.pt_mass) {
    const torch::Tensor e = (pt * torch::cosh(eta)).sum(1);
    const torch::Tensor px = (pt * torch::cos(phi)).sum(1);
    const torch::Tensor py = (pt * torch::sin(phi)).sum(1);
    const torch::Tensor pz = (pt * torch::sinh(eta)).sum(1);
    const torch::Tensor pt2 = px * px + py * py;
    // Rounding can make m^2 slightly negative for collinear constituents;
    // +1 GeV^2 keeps the log and its gradient finite at m = 0.
    const torch::Tensor m2 = (e * e - pt2 - pz * pz).clamp_min(0);
    features.push_back(0.5 * torch::log(pt2 + 1));
    features.push_back(0.5 * torch::log(m2 + 1));
  }
  if (map.shapes) {
    // pt is positive on every real member and a jet has at least one.
    const torch::Tensor sum_pt = pt.sum(1);
    const torch::Tensor distance = torch::sqrt(eta * eta + phi * phi + kAxisEpsilon);
    features.push_back((pt * distance).sum(1) / sum_pt);
    features.push_back(torch::sqrt((pt * pt).sum(1)) / sum_pt);
  }
  return torch::stack(features, 1);
}

}  // namespace

int64_t JetFeatureCount(const JetFeatureMap& map) { return (map.pt_mass ? 2 : 0) + (map.shapes ? 2 : 0); }

absl::StatusOr<JetFeatureMap> FitJetFeatureMap(const CloudConfig& config, const JetSets& data, bool pt_mass,
                                               bool shapes, const char* key) {
  JetFeatureMap map;
  map.pt_mass = pt_mass;
  map.shapes = shapes;
  map.log_pt = ColumnPosition(config.target_columns, cloud::kJetFeatureColumns[0]);
  map.eta = ColumnPosition(config.target_columns, cloud::kJetFeatureColumns[1]);
  map.phi = ColumnPosition(config.target_columns, cloud::kJetFeatureColumns[2]);
  if (map.log_pt < 0 || map.eta < 0 || map.phi < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config.", key, " needs target columns log_pt, eta_rel and phi_rel (each constituent's log pT in GeV ",
        "and its position relative to the jet axis); config.target_columns is [",
        absl::StrJoin(config.target_columns, ", "), "]"));
  }
  const auto& s = data.scaling;
  map.log_pt_mean = s.target_mean[map.log_pt];
  map.log_pt_scale = s.target_scale[map.log_pt];
  map.eta_mean = s.target_mean[map.eta];
  map.eta_scale = s.target_scale[map.eta];
  map.phi_mean = s.target_mean[map.phi];
  map.phi_scale = s.target_scale[map.phi];
  torch::NoGradGuard no_grad;
  const torch::Tensor f =
      Unscaled(data.members.to(torch::kFloat64), SizeMask(data.sizes, data.members.size(1)), map);
  for (int64_t k = 0; k < JetFeatureCount(map); ++k) {
    map.feature_mean.push_back(f.select(1, k).mean().item<double>());
    const double sd = f.select(1, k).std().item<double>();
    map.feature_scale.push_back(sd > 0 ? sd : 1);  // a constant feature keeps scale 1, as conditions do
  }
  return map;
}

absl::StatusOr<JetFeatureMap> MakeJetFeatureMap(const CloudConfig& config, const JetSets& data) {
  return FitJetFeatureMap(config, data, config.jet_features, config.jet_shapes,
                          config.jet_features ? "jet_features" : "jet_shapes");
}

torch::Tensor JetFeatures(const torch::Tensor& members, const torch::Tensor& mask, const JetFeatureMap& map) {
  const torch::Tensor f = Unscaled(members, mask, map);
  const auto options = f.options();
  const torch::Tensor mean = torch::tensor(map.feature_mean, options);
  const torch::Tensor scale = torch::tensor(map.feature_scale, options);
  return (f - mean) / scale;
}

}  // namespace evgen
