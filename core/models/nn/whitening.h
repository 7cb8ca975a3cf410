// whitening.h: Whitening, the affine map that gives a sample of points
// zero mean and unit covariance, x -> (x - mean) L^-T with cov = L L^T,
// fitted once and applied to any points later (the same map for all).
//
// Why: a fixed-width kernel (an MMD term in a loss) on features that are
// only standardised one by one sees distances along the directions where
// the features vary most. Strongly correlated features (a jet's EFPs: of
// 8 standardised log EFPs, five directions carry variances below 0.006)
// then differ along directions the kernel cannot resolve, and a classifier
// finds exactly those (docs/results.md, issue 17). Whitened, every
// direction of the fitted sample has unit variance.
//
// Example:
//   Whitening w = *FitWhitening(training_points, "efp_mmd");   // [n, d]
//   torch::Tensor white = Whiten(batch_points, w);             // [B, d]
#pragma once

#include <torch/torch.h>

#include "absl/status/statusor.h"

namespace evgen {

struct Whitening {
  torch::Tensor mean;       // [d], float64
  torch::Tensor transform;  // [d, d] L^-T, float64
};

// FitWhitening: the map of points [n, d] (n > d, float64 best);
// InvalidArgument naming config.<key> when their covariance is singular
// (a feature constant or a combination of the others).
[[nodiscard]] absl::StatusOr<Whitening> FitWhitening(const torch::Tensor& points, const char* key);

// Whiten: points [..., d] -> (points - mean) L^-T in the points' dtype and
// device; differentiable in the points.
torch::Tensor Whiten(const torch::Tensor& points, const Whitening& w);

}  // namespace evgen
