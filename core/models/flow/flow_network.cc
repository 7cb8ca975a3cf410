#include "core/models/flow/flow_network.h"

#include <cmath>
#include <mutex>
#include <string>

#include "core/models/flow/act_norm.h"
#include "core/models/flow/affine_coupling.h"
#include "core/models/flow/mixing.h"
#include "core/models/flow/spline_coupling.h"
#include "core/physics/constants.h"
#include "core/random/counter_rng.h"

namespace evgen {
namespace {

constexpr uint64_t kMixingLabel = 0x4d49580000000000ULL;
constexpr uint64_t kWeightsLabel = 0x5745494700000000ULL;

}  // namespace

FlowNetworkImpl::FlowNetworkImpl(int64_t dims, int64_t cond_dims, const FlowNetworkSpec& spec, uint64_t seed)
    : dims_(dims) {
  // The subnetworks' initial weights come from LibTorch's global generator:
  // seed it and build under one lock so concurrent fits stay reproducible.
  static std::mutex init_mutex;
  std::lock_guard<std::mutex> lock(init_mutex);
  torch::manual_seed(DeriveSeed(seed, kWeightsLabel));
  auto add = [this](const std::string& name, std::shared_ptr<FlowBlockImpl> block) {
    blocks_.push_back(register_module(name, block));
  };
  for (int64_t k = 0; k < spec.blocks; ++k) {
    const std::string id = std::to_string(k);
    if (spec.actnorm) add("actnorm" + id, std::make_shared<ActNormImpl>(dims));
    if (spec.coupling == "rqs") {
      add("coupling" + id, std::make_shared<SplineCouplingImpl>(dims, cond_dims, k, spec.subnet, spec.spline));
    } else {
      add("coupling" + id, std::make_shared<AffineCouplingImpl>(dims, cond_dims, k, spec.subnet, spec.clamp));
    }
    if (k + 1 == spec.blocks || dims < 2) continue;
    const uint64_t mixing_seed = DeriveSeed(seed ^ kMixingLabel, static_cast<uint64_t>(k));
    if (spec.mixing == "permutation") {
      add("mixing" + id, std::make_shared<PermutationImpl>(dims, mixing_seed));
    } else {
      add("mixing" + id, std::make_shared<RotationImpl>(dims, mixing_seed));
    }
  }
}

std::pair<torch::Tensor, torch::Tensor> FlowNetworkImpl::Forward(const torch::Tensor& x,
                                                                 const torch::Tensor& cond) {
  torch::Tensor z = x;
  torch::Tensor log_det = torch::zeros({x.size(0)}, x.options());
  for (const auto& block : blocks_) {
    auto [next, part] = block->Forward(z, cond);
    z = next;
    log_det = log_det + part;
  }
  return {z, log_det};
}

torch::Tensor FlowNetworkImpl::LogProb(const torch::Tensor& x, const torch::Tensor& cond) {
  const auto [z, log_det] = Forward(x, cond);
  return StandardNormalLogProb(z) + log_det;
}

torch::Tensor FlowNetworkImpl::Inverse(const torch::Tensor& z, const torch::Tensor& cond) {
  torch::Tensor x = z;
  for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it) x = (*it)->Inverse(x, cond);
  return x;
}

torch::Tensor StandardNormalLogProb(const torch::Tensor& z) {
  const double log_two_pi = std::log(2 * physics::kPi);
  return -0.5 * (z * z).sum(1) - 0.5 * log_two_pi * static_cast<double>(z.size(1));
}

}  // namespace evgen
