#include "core/models/cloud/given_jet.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
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

// The mass scaling: fixed-point steps lambda <- lambda * (m / pT)_given /
// (m / pT)(lambda). For small angles m is proportional to lambda, so the
// first step is nearly exact and the others take out the curvature (five
// leave the mass within a relative 1e-4 of the given one, 0.02 GeV on a
// top jet, for jets 1.5 times wider than the training jets; test). The factor is at least
// 1/kMaxScale and at most what keeps every member within kMaxAngle of the
// axis in eta and in phi: there every |Delta phi| is below pi and every
// cos(phi) positive, so m grows with lambda (beyond, phi wraps round and the
// steps need not converge). A jet whose shares sit on too few
// members to reach the given mass within that (one member has no mass at
// all) comes out at the bound, lighter than given.
constexpr int kMassSteps = 5;
constexpr double kMaxScale = 100;
constexpr double kMaxAngle = 1.5707963267948966;  // pi / 2
// Added to m^2 / pT^2 under the root, so that its gradient stays finite at
// m = 0.
constexpr double kMass2Floor = 1e-12;

// With a jet radius R, five steps are not enough where members near R are
// compressed (m grows more slowly than lambda there); these leave the mass
// within 1e-4 for the test's jets.
constexpr int kBoundedMassSteps = 20;
// Added to Delta R^2 under the root: the compression's gradient stays finite
// for a member on the axis.
constexpr double kDeltaR2Floor = 1e-12;

torch::Tensor Standardised(const torch::Tensor& x, const ColumnMap& c) { return (x - c.mean) / c.scale; }

// Placed: the members' (eta, phi) scaled by `scale` [B, 1] about the axis
// and, with a radius R > 0, pulled in radially by Delta R -> R tanh(Delta R /
// R): the identity near the axis, never beyond R however wide the scale.
std::pair<torch::Tensor, torch::Tensor> Placed(const torch::Tensor& eta, const torch::Tensor& phi,
                                               const torch::Tensor& scale, double radius) {
  const torch::Tensor e = eta * scale, p = phi * scale;
  if (radius <= 0) return {e, p};
  const torch::Tensor dr = torch::sqrt(e * e + p * p + kDeltaR2Floor);
  const torch::Tensor pull = radius * torch::tanh(dr / radius) / dr;
  return {e * pull, p * pull};
}

// AxisProjection: sum_j s_j cos(phi_j) per jet, [B, 1], bounded below.
torch::Tensor AxisProjection(const torch::Tensor& shares, const torch::Tensor& phi) {
  return (shares * torch::cos(phi)).sum(1, true).clamp_min(kMinAxisProjection);
}

// MassOverPt: m / pT_jet of the jet whose members have the shares (zero on
// padding) at (eta, phi), [B, 1]; pT_i / pT_jet = s_i / AxisProjection.
torch::Tensor MassOverPt(const torch::Tensor& shares, const torch::Tensor& eta, const torch::Tensor& phi) {
  const torch::Tensor w = shares / AxisProjection(shares, phi);
  const torch::Tensor e = (w * torch::cosh(eta)).sum(1, true), pz = (w * torch::sinh(eta)).sum(1, true);
  const torch::Tensor px = (w * torch::cos(phi)).sum(1, true), py = (w * torch::sin(phi)).sum(1, true);
  return torch::sqrt((e * e - px * px - py * py - pz * pz).clamp_min(0) + kMass2Floor);
}

// AngleBound: the largest scale [B, 1] that keeps every member within
// kMaxAngle of the axis. Within a radius (below pi/2) none is needed: no
// scale carries a member past it.
torch::Tensor AngleBound(const torch::Tensor& eta, const torch::Tensor& phi) {
  const torch::Tensor widest = torch::maximum(eta.abs().amax(1, true), phi.abs().amax(1, true));
  return (kMaxAngle / widest.clamp_min(kMaxAngle / kMaxScale)).clamp_min(1 / kMaxScale);
}

// MassScale: the factor [B, 1] by which (eta, phi) are scaled about the
// axis (then Placed within the radius) so that the jet's m / pT is `target`
// [B, 1].
torch::Tensor MassScale(const torch::Tensor& shares, const torch::Tensor& eta, const torch::Tensor& phi,
                        const torch::Tensor& target, double radius) {
  const torch::Tensor bound = radius > 0 ? torch::full_like(target, kMaxScale) : AngleBound(eta, phi);
  torch::Tensor scale = torch::ones_like(target);
  for (int step = 0; step < (radius > 0 ? kBoundedMassSteps : kMassSteps); ++step) {
    const auto [e, p] = Placed(eta, phi, scale, radius);
    scale = torch::minimum(scale * target / MassOverPt(shares, e, p), bound).clamp_min(1 / kMaxScale);
  }
  return scale;
}

}  // namespace

ColumnMap Column(int64_t index, const std::vector<double>& mean, const std::vector<double>& scale) {
  if (index < 0) return {};
  return {index, mean[static_cast<size_t>(index)], scale[static_cast<size_t>(index)]};
}

torch::Tensor Physical(const torch::Tensor& x, int dim, const ColumnMap& c) {
  return x.select(dim, c.index) * c.scale + c.mean;
}

absl::StatusOr<std::optional<GivenJetMap>> MakeGivenJetMap(const CloudConfig& config, const Scaling& scaling) {
  if (!config.pt_shares) return std::nullopt;
  const auto target = [&](const char* name) {
    return Column(ColumnPosition(config.target_columns, name), scaling.target_mean, scaling.target_scale);
  };
  const auto condition = [&](const char* name) {
    return Column(ColumnPosition(config.condition_columns, name), scaling.condition_mean, scaling.condition_scale);
  };
  GivenJetMap map;
  map.log_pt = target(cloud::kLogPtColumn);
  map.phi = target(cloud::kPhiColumn);
  map.jet_pt = condition(cloud::kJetPtCondition);
  if (config.mass_given) {
    map.eta = target(cloud::kEtaColumn);
    map.jet_mass = condition(cloud::kJetMassCondition);
    map.radius = config.jet_radius;
  }
  if (map.log_pt.index < 0 || map.phi.index < 0 || map.jet_pt.index < 0 ||
      (config.mass_given && (map.eta.index < 0 || map.jet_mass.index < 0))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config.pt_shares needs target columns log_pt and phi_rel and the condition column jet_pt_gev ",
        "(config.mass_given also eta_rel and jet_mass_gev); config.target_columns is [",
        absl::StrJoin(config.target_columns, ", "), "], config.condition_columns [",
        absl::StrJoin(config.condition_columns, ", "), "]"));
  }
  return map;
}

torch::Tensor ApplyGivenJet(const torch::Tensor& members, const torch::Tensor& mask, const torch::Tensor& conditions,
                            const GivenJetMap& map) {
  const torch::Tensor real = mask.to(members.dtype());
  // The logit in units of the standardised log pT, so that a unit of
  // generator output moves a share as a unit moved log_pt before.
  const torch::Tensor logits = (members.select(2, map.log_pt.index) * map.log_pt.scale).masked_fill(~mask, kMaskedScore);
  const torch::Tensor log_shares = torch::log_softmax(logits, 1);
  const torch::Tensor shares = torch::exp(log_shares) * real;
  const torch::Tensor jet_pt = Physical(conditions, 1, map.jet_pt).clamp_min(kMinJetPtGev).unsqueeze(1);
  std::vector<torch::Tensor> channels = members.unbind(2);
  torch::Tensor phi = Physical(members, 2, map.phi);
  if (map.jet_mass.index >= 0) {
    torch::Tensor eta = Physical(members, 2, map.eta);
    const torch::Tensor target = Physical(conditions, 1, map.jet_mass).clamp_min(0).unsqueeze(1) / jet_pt;
    const torch::Tensor scale = MassScale(shares, eta * real, phi * real, target, map.radius);
    std::tie(eta, phi) = Placed(eta, phi, scale, map.radius);
    channels[static_cast<size_t>(map.eta.index)] = Standardised(eta, map.eta) * real;
    channels[static_cast<size_t>(map.phi.index)] = Standardised(phi, map.phi) * real;
  }
  const torch::Tensor log_pt = log_shares + torch::log(jet_pt) - torch::log(AxisProjection(shares, phi));
  const torch::Tensor standardised = Standardised(log_pt, map.log_pt);
  channels[static_cast<size_t>(map.log_pt.index)] = torch::where(mask, standardised, torch::zeros_like(standardised));
  return torch::stack(channels, 2);
}

}  // namespace evgen
