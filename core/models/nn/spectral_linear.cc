#include "core/models/nn/spectral_linear.h"

namespace evgen {
namespace {

// Normalized divides by the norm, guarded so a zero vector stays finite.
torch::Tensor Normalized(const torch::Tensor& v) { return v / (v.norm() + 1e-12); }

}  // namespace

SpectralLinearImpl::SpectralLinearImpl(SpectralLinearOptions options) : options_(options) {
  linear_ = register_module("linear", torch::nn::Linear(options_.in(), options_.out()));
  if (options_.spectral_norm()) {
    // A random start (from the seeded global generator, as the weights) is
    // what power iteration needs: almost surely not orthogonal to the top
    // singular vector.
    u_ = register_buffer("sn_u", Normalized(torch::randn({options_.out()})));
  }
}

torch::Tensor SpectralLinearImpl::Weight() {
  const torch::Tensor& w = linear_->weight;
  if (!options_.spectral_norm()) return w;
  torch::Tensor v;
  torch::Tensor u = u_;
  {
    torch::NoGradGuard no_grad;
    if (is_training()) {
      v = Normalized(torch::mv(w.t(), u_));
      u_.copy_(Normalized(torch::mv(w, v)));
    }
    v = Normalized(torch::mv(w.t(), u_));
    // The clone keeps this step's u in the graph although the next training
    // forward updates the buffer in place before backward may run.
    u = u_.clone();
  }
  const torch::Tensor sigma = torch::dot(u, torch::mv(w, v));
  return w / sigma;
}

torch::Tensor SpectralLinearImpl::forward(const torch::Tensor& x) {
  return torch::nn::functional::linear(x, Weight(), linear_->bias);
}

}  // namespace evgen
