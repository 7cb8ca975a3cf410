#include "core/models/flow/gaussian_baseline.h"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "core/models/flow/flow_trainer.h"

namespace evgen {

double GaussianBaselineNll(const FlowTrainingData& data) {
  const int64_t n_val = data.validation_targets.size(0);
  if (n_val == 0 || data.train_targets.size(0) < 2) return std::numeric_limits<double>::quiet_NaN();
  torch::NoGradGuard no_grad;
  const int64_t d = data.train_targets.size(1);
  const torch::Tensor train =
      torch::cat({data.train_targets, data.train_conditions}, 1).to(torch::kFloat64);
  const torch::Tensor val =
      torch::cat({data.validation_targets, data.validation_conditions}, 1).to(torch::kFloat64);
  const torch::Tensor mu = train.mean(0);
  const torch::Tensor centred = train - mu;
  // A tiny ridge keeps a constant or duplicated column from making the
  // covariance singular; it is far below any feature's variance in model
  // space (standardized columns have variance 1).
  const int64_t k = train.size(1);
  const torch::Tensor cov = centred.t().mm(centred) / static_cast<double>(train.size(0)) +
                            1e-9 * torch::eye(k, torch::kFloat64);
  torch::Tensor sigma = cov.slice(0, 0, d).slice(1, 0, d);
  torch::Tensor residual = val.slice(1, 0, d) - mu.slice(0, 0, d);
  if (k > d) {
    const torch::Tensor s_xc = cov.slice(0, 0, d).slice(1, d, k);
    const torch::Tensor s_cc = cov.slice(0, d, k).slice(1, d, k);
    // gain = S_xc S_cc^-1, from the solve S_cc gain^T = S_cx.
    const torch::Tensor gain = torch::linalg::solve(s_cc, s_xc.t(), /*left=*/true).t();
    sigma = sigma - gain.mm(s_xc.t());
    residual = residual - (val.slice(1, d, k) - mu.slice(0, d, k)).mm(gain.t());
  }
  const torch::Tensor chol = torch::linalg::cholesky(sigma);
  // Whitened residuals w = L^-1 r; log det sigma = 2 sum log diag L.
  const torch::Tensor white = torch::linalg::solve_triangular(chol, residual.t(), /*upper=*/false, /*left=*/true,
                                                                /*unitriangular=*/false)
                                   .t();
  const double log_det = 2.0 * chol.diagonal().log().sum().item<double>();
  const double mahalanobis = white.pow(2).sum(1).mean().item<double>();
  const double model_nll = 0.5 * (static_cast<double>(d) * std::log(2.0 * M_PI) + log_det + mahalanobis);
  return model_nll - data.validation_log_jacobian;
}

}  // namespace evgen
