#include "core/models/nn/whitening.h"

#include "absl/strings/str_cat.h"

namespace evgen {
namespace {

// A covariance whose smallest eigenvalue is below this share of its mean
// one is singular in double precision once the points are float32.
constexpr double kSingularShare = 1e-9;

}  // namespace

absl::StatusOr<Whitening> FitWhitening(const torch::Tensor& points, const char* key) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = points.to(torch::kFloat64).cpu();
  const int64_t n = x.size(0), d = x.size(1);
  if (n <= d) {
    return absl::InvalidArgumentError(
        absl::StrCat("config.", key, ": whitening ", d, " features needs more than ", d, " rows; got ", n));
  }
  Whitening w;
  w.mean = x.mean(0);
  const torch::Tensor centred = x - w.mean;
  const torch::Tensor cov = centred.t().mm(centred) / static_cast<double>(n - 1);
  const double floor = kSingularShare * cov.diagonal().mean().item<double>();
  const torch::Tensor smallest = torch::linalg::eigvalsh(cov, "L").min();
  if (!(smallest.item<double>() > floor)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config.", key, ": the ", d, " features' covariance over the training jets is singular (smallest eigenvalue ",
        smallest.item<double>(), "); a feature is constant or a combination of the others"));
  }
  const torch::Tensor chol = torch::linalg::cholesky(cov);
  const torch::Tensor inverse = torch::linalg::solve_triangular(chol, torch::eye(d, x.options()), /*upper=*/false,
                                                                /*left=*/true, /*unitriangular=*/false);
  w.transform = inverse.t().contiguous();
  return w;
}

torch::Tensor Whiten(const torch::Tensor& points, const Whitening& w) {
  const auto options = points.options();
  return torch::matmul(points - w.mean.to(options), w.transform.to(options));
}

}  // namespace evgen
