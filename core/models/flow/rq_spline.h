// rq_spline.h: the monotone rational-quadratic spline of Durkan, Bekasov,
// Murray, Papamakarios 2019 ("Neural Spline Flows"), element-wise, with
// identity ("linear") tails outside [-B, B].
//
// Each element has K bins on [-B, B] in both x and y; unconstrained
// parameters (K widths, K heights, K - 1 inner knot derivatives) become
// bins through a softmax with a minimum width/height and derivatives through
// softplus with a minimum; the derivatives at +-B are 1 so the spline joins
// the identity tails smoothly. In bin k with xi = (x - x_k) / w_k,
// s_k = h_k / w_k:
//   y = y_k + h_k (s_k xi^2 + d_k xi (1 - xi)) / (s_k + (d_k + d_k+1 - 2 s_k) xi (1 - xi))
// and dy/dx has a closed form (their eq. 5); the inverse solves a quadratic
// in xi, taking the root that lies in [0, 1] (their eq. 6-8).
#pragma once

#include <torch/torch.h>

#include <utility>

namespace evgen {

struct RqSplineOptions {
  int64_t bins = 8;
  double tail_bound = 4;
  double min_bin_width = 1e-3, min_bin_height = 1e-3, min_derivative = 1e-3;
  // ParamsPerDim is what a subnetwork emits for each changed dimension.
  int64_t ParamsPerDim() const { return 3 * bins - 1; }
};

// RqSplineForward maps x [rows, D] with params [rows, D, 3K - 1] (widths,
// heights, derivatives) and returns (y, ln|dy/dx| per element).
std::pair<torch::Tensor, torch::Tensor> RqSplineForward(const torch::Tensor& x, const torch::Tensor& params,
                                                        const RqSplineOptions& options);
// RqSplineInverse maps y back to x with the same params.
torch::Tensor RqSplineInverse(const torch::Tensor& y, const torch::Tensor& params,
                              const RqSplineOptions& options);

}  // namespace evgen
