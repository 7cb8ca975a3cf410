// circle_layer.h: the U(1) circle layer of Lin, Bhimji, Nachman (2019),
// eq. 2.2, and CircleMlp, a critic built only from such layers.
//
// Every weight and bias is an angle: output neuron n of a layer computes
//   y_n = psi( | sum_m x_m e^{i theta_nm} + e^{i phi_n} | ),
// i.e. sqrt((sum_m x_m cos theta_nm + cos phi_n)^2 + (sum_m x_m sin theta_nm + sin phi_n)^2).
// Because the parameters live on the compact circle, no clipping is needed:
// |dy_n| <= sum_m |dx_m| <= sqrt(in) |dx|_2, so with a 1-Lipschitz psi a
// layer is sqrt(in * out)-Lipschitz in the Euclidean norm and a network is
// Lipschitz with the product of those constants (LipschitzBound()), whatever
// values the angles take. The magnitude has a kink at 0; its gradient there is
// taken as 0 (a tiny epsilon inside the square root keeps it finite).
//
// CircleMlp: in -> CircleLinear(h1) -> psi -> ... -> CircleLinear(1), the
// last layer without psi. psi is "leaky-relu" (slope 0.2), "relu" or "tanh",
// all 1-Lipschitz. Angles start uniform in [-pi, pi).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace evgen {

class CircleLinearImpl : public torch::nn::Module {
 public:
  CircleLinearImpl(int64_t inputs, int64_t outputs);
  // forward returns the magnitudes |sum_m x_m e^{i theta_nm} + e^{i phi_n}|, [batch, outputs].
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor theta;  // [outputs, inputs]
  torch::Tensor phi;    // [outputs]
};
TORCH_MODULE(CircleLinear);

class CircleMlpImpl : public torch::nn::Module {
 public:
  CircleMlpImpl(int64_t inputs, std::vector<int64_t> hidden, std::string activation);
  torch::Tensor forward(torch::Tensor x);  // [batch, 1]
  // LipschitzBound is prod_k sqrt(in_k * out_k) over the layers.
  double LipschitzBound() const;

 private:
  std::vector<CircleLinear> layers_;
  std::vector<int64_t> widths_;  // inputs, hidden..., 1
  std::string activation_;
};
TORCH_MODULE(CircleMlp);

}  // namespace evgen
