#include "core/models/nn/circle_layer.h"

#include <cmath>
#include <utility>

#include "core/physics/constants.h"

namespace evgen {
namespace {

// kMagnitudeEps keeps the square root differentiable where the sum is 0; it
// leaves the layer 1-Lipschitz in the complex sum (the norm of (re, im, 1e-6)).
constexpr double kMagnitudeEps = 1e-12;
using physics::kPi;

// UniformAngles draws angles uniform in [-pi, pi) from LibTorch's default
// generator, which the caller seeds.
torch::Tensor UniformAngles(at::IntArrayRef shape) { return torch::rand(shape) * (2 * kPi) - kPi; }

}  // namespace

CircleLinearImpl::CircleLinearImpl(int64_t inputs, int64_t outputs) {
  TORCH_CHECK(inputs > 0 && outputs > 0, "CircleLinear: inputs and outputs must be positive, got ",
              inputs, " and ", outputs);
  theta = register_parameter("theta", UniformAngles({outputs, inputs}));
  phi = register_parameter("phi", UniformAngles({outputs}));
}

torch::Tensor CircleLinearImpl::forward(const torch::Tensor& x) {
  // Real and imaginary parts of sum_m x_m e^{i theta_nm} + e^{i phi_n}.
  const torch::Tensor re = torch::addmm(torch::cos(phi), x, torch::cos(theta).t());
  const torch::Tensor im = torch::addmm(torch::sin(phi), x, torch::sin(theta).t());
  return torch::sqrt(re * re + im * im + kMagnitudeEps);
}

CircleMlpImpl::CircleMlpImpl(int64_t inputs, std::vector<int64_t> hidden, std::string activation)
    : activation_(std::move(activation)) {
  TORCH_CHECK(activation_ == "leaky-relu" || activation_ == "relu" || activation_ == "tanh",
              "CircleMlp: activation must be leaky-relu, relu or tanh, got '", activation_, "'");
  widths_.push_back(inputs);
  widths_.insert(widths_.end(), hidden.begin(), hidden.end());
  widths_.push_back(1);
  for (size_t k = 0; k + 1 < widths_.size(); ++k) {
    layers_.push_back(
        register_module("layer" + std::to_string(k), CircleLinear(widths_[k], widths_[k + 1])));
  }
}

torch::Tensor CircleMlpImpl::forward(torch::Tensor x) {
  for (size_t k = 0; k < layers_.size(); ++k) {
    x = layers_[k]->forward(x);
    if (k + 1 == layers_.size()) break;
    if (activation_ == "relu") {
      x = torch::relu(x);
    } else if (activation_ == "tanh") {
      x = torch::tanh(x);
    } else {
      x = torch::leaky_relu(x, 0.2);
    }
  }
  return x;
}

double CircleMlpImpl::LipschitzBound() const {
  double bound = 1;
  for (size_t k = 0; k + 1 < widths_.size(); ++k) {
    bound *= std::sqrt(static_cast<double>(widths_[k]) * static_cast<double>(widths_[k + 1]));
  }
  return bound;
}

}  // namespace evgen
