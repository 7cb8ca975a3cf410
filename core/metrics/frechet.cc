#include "core/metrics/frechet.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/stop_check.h"

namespace evgen {
namespace {

constexpr uint64_t kFpdLabel = 0xf9d;
constexpr uint64_t kKpdLabel = 0x4bd;
constexpr double kSingularTolerance = 1e-12;

torch::Tensor ToTensor(const FeatureMatrix& m) {
  return torch::from_blob(const_cast<double*>(m.values.data()), {m.rows, m.cols},
                          torch::kFloat64)
      .clone();
}

std::vector<double> ToVector(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous().to(torch::kFloat64);
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

bool IsSingular(const torch::Tensor& eigenvalues) {
  const double largest = eigenvalues.abs().max().item<double>();
  const double smallest = eigenvalues.min().item<double>();
  return largest == 0 || smallest <= kSingularTolerance * largest;
}

// FrechetOfTensors evaluates FD for means [d] and symmetric covariances [d, d].
double FrechetOfTensors(const torch::Tensor& mu1, torch::Tensor s1, const torch::Tensor& mu2,
                        torch::Tensor s2, double eps) {
  const int64_t d = s1.size(0);
  if (IsSingular(torch::linalg::eigvalsh(s1, "L")) ||
      IsSingular(torch::linalg::eigvalsh(s2, "L"))) {
    const torch::Tensor offset = torch::eye(d, torch::kFloat64) * eps;
    s1 = s1 + offset;
    s2 = s2 + offset;
  }
  torch::Tensor values;
  torch::Tensor vectors;
  std::tie(values, vectors) = torch::linalg::eigh(s1, "L");
  const torch::Tensor sqrt_s1 =
      torch::mm(vectors * values.clamp_min(0.0).sqrt().unsqueeze(0), vectors.t());
  torch::Tensor m = torch::mm(torch::mm(sqrt_s1, s2), sqrt_s1);
  m = 0.5 * (m + m.t());
  const double tr_covmean = torch::linalg::eigvalsh(m, "L").clamp_min(0.0).sqrt().sum().item<double>();
  const torch::Tensor diff = mu1 - mu2;
  return torch::dot(diff, diff).item<double>() + s1.trace().item<double>() +
         s2.trace().item<double>() - 2.0 * tr_covmean;
}

// SampleMoments returns the unweighted mean and covariance (denominator n - 1).
std::pair<torch::Tensor, torch::Tensor> SampleMoments(const torch::Tensor& x) {
  const torch::Tensor mean = x.mean(0);
  const torch::Tensor centred = x - mean.unsqueeze(0);
  torch::Tensor cov = torch::mm(centred.t(), centred) / static_cast<double>(x.size(0) - 1);
  return {mean, 0.5 * (cov + cov.t())};
}

absl::Status CheckPair(const FeatureMatrix& x, const FeatureMatrix& y, const char* metric) {
  if (x.cols != y.cols) {
    return absl::InvalidArgumentError(
        absl::StrCat(metric, ": samples have ", x.cols, " and ", y.cols, " columns"));
  }
  if (x.cols < 1) return absl::InvalidArgumentError(absl::StrCat(metric, ": no columns"));
  if (x.rows < 2 || y.rows < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        metric, ": need at least 2 rows per sample, got ", x.rows, " and ", y.rows));
  }
  return absl::OkStatus();
}

// ScaleByReference divides both samples by the reference's max |x| per
// feature (1 where that is 0), as JetNet's _normalise_features.
void ScaleByReference(torch::Tensor& reference, torch::Tensor& generated) {
  torch::Tensor maxes = std::get<0>(reference.abs().max(0));
  maxes = torch::where(maxes == 0, torch::ones_like(maxes), maxes);
  reference = reference / maxes.unsqueeze(0);
  generated = generated / maxes.unsqueeze(0);
}

void WarnSmall(const FeatureMatrix& x, const FeatureMatrix& y, const char* metric,
               std::vector<std::string>& warnings) {
  if (x.rows < kRecommendedSamples || y.rows < kRecommendedSamples) {
    warnings.push_back(absl::StrCat(metric, ": samples of ", x.rows, " and ", y.rows,
                                    " rows; the recommended size is ", kRecommendedSamples));
  }
  if (!x.weights.empty() || !y.weights.empty()) {
    warnings.push_back(absl::StrCat(metric, ": event weights are ignored"));
  }
}

// Resample draws `count` row indices of [0, rows) with replacement.
torch::Tensor Resample(int64_t rows, int64_t count, uint64_t seed, uint64_t stream) {
  CounterRng rng(seed, stream);
  std::vector<int64_t> out(count);
  for (int64_t& r : out) {
    r = std::min<int64_t>(rows - 1, static_cast<int64_t>(rng.Uniform() * rows));
  }
  return torch::tensor(out, torch::kInt64);
}

// Percentile is numpy.percentile's default (linear) on sorted values.
double Percentile(const std::vector<double>& sorted, double percent) {
  const double index = percent / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(index));
  const size_t hi = std::min(sorted.size() - 1, lo + 1);
  const double fraction = index - static_cast<double>(lo);
  return sorted[lo] + fraction * (sorted[hi] - sorted[lo]);
}

}  // namespace

absl::StatusOr<GaussianMoments> FitGaussian(const FeatureMatrix& sample, bool use_weights) {
  if (sample.rows < 2 || sample.cols < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "frechet: need at least 2 rows and 1 column, got ", sample.rows, " x ", sample.cols));
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor x = ToTensor(sample);
  GaussianMoments moments;
  moments.dim = sample.cols;
  if (!use_weights || sample.weights.empty()) {
    auto [mean, cov] = SampleMoments(x);
    moments.mean = ToVector(mean);
    moments.covariance = ToVector(cov);
    return moments;
  }
  const torch::Tensor w = torch::tensor(sample.weights, torch::kFloat64);
  const double v1 = w.sum().item<double>();
  const double v2 = (w * w).sum().item<double>();
  if (!(v1 > 0) || !(v1 * v1 - v2 > 0)) {
    return absl::InvalidArgumentError(
        "frechet: weights need a positive sum and at least two non-zero entries");
  }
  const torch::Tensor mean = torch::mv(x.t(), w) / v1;
  const torch::Tensor centred = x - mean.unsqueeze(0);
  torch::Tensor cov = torch::mm(centred.t() * w.unsqueeze(0), centred) / (v1 - v2 / v1);
  moments.mean = ToVector(mean);
  moments.covariance = ToVector(0.5 * (cov + cov.t()));
  return moments;
}

absl::StatusOr<double> FrechetDistance(const GaussianMoments& a, const GaussianMoments& b,
                                       double eps) {
  for (const GaussianMoments* g : {&a, &b}) {
    const size_t d = static_cast<size_t>(g->dim);
    if (g->dim < 1 || g->mean.size() != d || g->covariance.size() != d * d) {
      return absl::InvalidArgumentError(absl::StrCat(
          "frechet: moments of dimension ", g->dim, " hold ", g->mean.size(), " means and ",
          g->covariance.size(), " covariance entries"));
    }
    double scale = 0;
    for (double v : g->covariance) {
      if (!std::isfinite(v)) return absl::InvalidArgumentError("frechet: non-finite covariance");
      scale = std::max(scale, std::abs(v));
    }
    for (double v : g->mean) {
      if (!std::isfinite(v)) return absl::InvalidArgumentError("frechet: non-finite mean");
    }
    for (size_t i = 0; i < d; ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (std::abs(g->covariance[i * d + j] - g->covariance[j * d + i]) > 1e-9 * scale) {
          return absl::InvalidArgumentError(
              absl::StrCat("frechet: covariance is not symmetric at (", i, ", ", j, ")"));
        }
      }
    }
  }
  if (a.dim != b.dim) {
    return absl::InvalidArgumentError(
        absl::StrCat("frechet: dimensions ", a.dim, " and ", b.dim, " differ"));
  }
  if (!(eps >= 0)) return absl::InvalidArgumentError("frechet: eps must be >= 0");
  torch::NoGradGuard no_grad;
  const auto vec = [](const std::vector<double>& v) { return torch::tensor(v, torch::kFloat64); };
  const torch::Tensor s1 = vec(a.covariance).reshape({a.dim, a.dim});
  const torch::Tensor s2 = vec(b.covariance).reshape({b.dim, b.dim});
  return FrechetOfTensors(vec(a.mean), 0.5 * (s1 + s1.t()), vec(b.mean), 0.5 * (s2 + s2.t()),
                          eps);
}

absl::StatusOr<double> FrechetDistance(const FeatureMatrix& x, const FeatureMatrix& y) {
  EVGEN_RETURN_IF_ERROR(CheckPair(x, y, "frechet"));
  EVGEN_ASSIGN_OR_RETURN(const GaussianMoments a, FitGaussian(x));
  EVGEN_ASSIGN_OR_RETURN(const GaussianMoments b, FitGaussian(y));
  return FrechetDistance(a, b);
}

std::vector<int64_t> FpdBatchSizes(int64_t min_samples, int64_t max_samples, int num_points) {
  // numpy.linspace: start + k * step, the last point set to stop exactly.
  const double start = 1.0 / static_cast<double>(min_samples);
  const double stop = 1.0 / static_cast<double>(max_samples);
  std::vector<int64_t> sizes;
  if (num_points < 1) return sizes;
  const double step = num_points > 1 ? (stop - start) / (num_points - 1) : 0.0;
  for (int k = 0; k < num_points; ++k) {
    const double inverse = (num_points > 1 && k == num_points - 1) ? stop : start + k * step;
    sizes.push_back(static_cast<int64_t>(1.0 / inverse));  // truncates, as astype("int32")
  }
  return sizes;
}

absl::StatusOr<FpdResult> FrechetPhysicsDistance(const FeatureMatrix& reference,
                                                 const FeatureMatrix& generated,
                                                 const FpdConfig& config) {
  EVGEN_RETURN_IF_ERROR(CheckPair(reference, generated, "fpd"));
  if (config.min_samples < 2 || config.max_samples < 2 || config.num_points < 2 ||
      config.num_batches < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fpd: need min_samples, max_samples >= 2, num_points >= 2, num_batches >= 1; got ",
        config.min_samples, ", ", config.max_samples, ", ", config.num_points, ", ",
        config.num_batches));
  }
  FpdResult result;
  WarnSmall(reference, generated, "fpd", result.warnings);
  torch::NoGradGuard no_grad;
  torch::Tensor x = ToTensor(reference);
  torch::Tensor y = ToTensor(generated);
  if (config.normalise) ScaleByReference(x, y);

  result.batch_sizes = FpdBatchSizes(config.min_samples, config.max_samples, config.num_points);
  const uint64_t seed = DeriveSeed(config.seed, kFpdLabel);
  for (int p = 0; p < config.num_points; ++p) {
    const int64_t n = result.batch_sizes[p];
    double sum = 0;
    for (int b = 0; b < config.num_batches; ++b) {
      if (StopRequested()) break;  // the server discards the partial result
      const uint64_t stream = 2 * (static_cast<uint64_t>(p) * config.num_batches + b);
      auto [mu1, s1] = SampleMoments(x.index_select(0, Resample(x.size(0), n, seed, stream)));
      auto [mu2, s2] = SampleMoments(y.index_select(0, Resample(y.size(0), n, seed, stream + 1)));
      sum += FrechetOfTensors(mu1, s1, mu2, s2, 1e-6);
    }
    result.mean_fd.push_back(sum / config.num_batches);
  }

  // Least squares of FD = a + b t, t = 1/N, with a, b >= 0. The problem is
  // convex, so the best feasible candidate among the unconstrained solution
  // and the solutions on each bound is the optimum.
  const int m = config.num_points;
  std::vector<double> t(m);
  double st = 0, sy = 0, stt = 0, sty = 0;
  for (int i = 0; i < m; ++i) {
    t[i] = 1.0 / static_cast<double>(result.batch_sizes[i]);
    st += t[i];
    sy += result.mean_fd[i];
    stt += t[i] * t[i];
    sty += t[i] * result.mean_fd[i];
  }
  const auto sse = [&](double a, double b) {
    double s = 0;
    for (int i = 0; i < m; ++i) s += std::pow(result.mean_fd[i] - a - b * t[i], 2);
    return s;
  };
  const double det = m * stt - st * st;
  std::vector<std::pair<double, double>> candidates = {
      {std::max(0.0, sy / m), 0.0}, {0.0, std::max(0.0, sty / stt)}, {0.0, 0.0}};
  if (det > 0) {
    const double b = (m * sty - st * sy) / det;
    const double a = (sy - b * st) / m;
    if (a >= 0 && b >= 0) candidates.insert(candidates.begin(), {a, b});
  }
  double best = std::numeric_limits<double>::infinity();
  for (const auto& [a, b] : candidates) {
    const double s = sse(a, b);
    if (s < best) {
      best = s;
      result.value = a;
      result.slope = b;
    }
  }
  // curve_fit's error (absolute_sigma=False): pcov = (J^T J)^-1 SSE / (m - 2).
  result.error = det > 0 && m > 2 ? std::sqrt(best / (m - 2) * stt / det) : 0.0;
  return result;
}

absl::StatusOr<KpdResult> KernelPhysicsDistance(const FeatureMatrix& reference,
                                                const FeatureMatrix& generated,
                                                const KpdConfig& config) {
  EVGEN_RETURN_IF_ERROR(CheckPair(reference, generated, "kpd"));
  if (config.batch_size < 2 || config.num_batches < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("kpd: need batch_size >= 2 and num_batches >= 1; got ", config.batch_size,
                     ", ", config.num_batches));
  }
  KpdResult result;
  WarnSmall(reference, generated, "kpd", result.warnings);
  torch::NoGradGuard no_grad;
  torch::Tensor x = ToTensor(reference);
  torch::Tensor y = ToTensor(generated);
  if (config.normalise) ScaleByReference(x, y);

  MmdConfig mmd;
  mmd.kernel = MmdKernel::kPolynomial;
  mmd.degree = 4;
  mmd.use_weights = false;
  mmd.max_samples = 0;
  mmd.bootstrap = 0;
  const uint64_t seed = DeriveSeed(config.seed, kKpdLabel);
  const auto batch = [&](const torch::Tensor& t, uint64_t stream) {
    const torch::Tensor rows =
        t.index_select(0, Resample(t.size(0), config.batch_size, seed, stream)).contiguous();
    FeatureMatrix m;
    m.rows = rows.size(0);
    m.cols = static_cast<int>(rows.size(1));
    m.values = ToVector(rows);
    return m;
  };
  for (int b = 0; b < config.num_batches; ++b) {
    EVGEN_RETURN_IF_ERROR(CheckStop());
    const uint64_t stream = 2 * static_cast<uint64_t>(b);
    EVGEN_ASSIGN_OR_RETURN(const double value,
                           UnbiasedMmd2(batch(x, stream), batch(y, stream + 1), mmd));
    result.batch_values.push_back(value);
  }
  std::vector<double> sorted = result.batch_values;
  std::sort(sorted.begin(), sorted.end());
  result.value = Percentile(sorted, 50.0);
  result.error = (Percentile(sorted, 83.725) - Percentile(sorted, 16.275)) / 2.0;
  return result;
}

}  // namespace evgen
