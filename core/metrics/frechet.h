// frechet.h: the Frechet distance between Gaussians fitted to two samples,
// and JetNet's Frechet and kernel physics distances (FPD, KPD; Kansal et al.
// 2022, arXiv:2211.10295) defined exactly as jetnet.evaluation.fpd / kpd.
//
// Frechet distance (FD). With means mu1, mu2 and covariances S1, S2,
//   FD = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 sqrt(S1 S2)).
// Tr sqrt(S1 S2) is evaluated as Tr sqrt(sqrt(S1) S2 sqrt(S1)): the two
// matrices are similar, and the second is symmetric positive semi-definite,
// so two symmetric eigendecompositions replace scipy's non-symmetric sqrtm.
// When either covariance is singular (smallest eigenvalue <= 1e-12 of the
// largest, or a zero matrix), eps = 1e-6 is added to both diagonals first,
// as JetNet does when sqrtm fails on a singular product.
//
// FPD (jetnet.evaluation.fpd, defaults): both samples are divided per feature
// by the reference's max |x| (features that are all 0 are left alone). For
// num_points = 10 batch sizes N = int(1 / linspace(1/20000, 1/50000, 10)),
// the truncating cast included (20000, 21428, ..., 49999), FD is averaged
// over num_batches = 20 pairs of resamples of N rows drawn with replacement
// from each sample, with sample covariances (denominator N - 1). FPD is the
// intercept a of the least-squares fit FD(N) = a + b / N with a, b >= 0, and
// its error is curve_fit's: sqrt(SSE / (points - 2) * [(J^T J)^-1]_00).
//
// KPD (jetnet.evaluation.kpd, defaults): on the same scaled features, the
// unbiased MMD^2 with the kernel (x.y / d + 1)^4 is computed for
// num_batches = 10 pairs of batch_size = 5000 rows drawn with replacement;
// KPD is their median, its error half the spread between the 16.275th and
// 83.725th percentiles (numpy's linear interpolation), which is what JetNet
// returns as "half of the 16 - 84 IQR" (the one-sigma quantiles of a normal).
//
// Randomness comes from CounterRng instead of numpy's generator, so results
// agree with JetNet's in distribution, not digit for digit. Event weights
// are ignored, as JetNet has none. Samples below 50,000 rows are allowed and
// flagged in `warnings`, as JetNet warns.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(FeatureMatrix ref, FeatureMatrixFromTable(truth, efp_columns));
//   EVGEN_ASSIGN_OR_RETURN(FeatureMatrix gen, FeatureMatrixFromTable(sample, efp_columns));
//   EVGEN_ASSIGN_OR_RETURN(FpdResult fpd, FrechetPhysicsDistance(ref, gen));
//   EVGEN_ASSIGN_OR_RETURN(KpdResult kpd, KernelPhysicsDistance(ref, gen));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/metrics/mmd.h"

namespace evgen {

// GaussianMoments are the mean and covariance (row-major dim x dim) of a
// fitted Gaussian.
struct GaussianMoments {
  int dim = 0;
  std::vector<double> mean;
  std::vector<double> covariance;
};

// FitGaussian returns the sample mean and covariance; with weights, the
// weighted mean and the covariance with reliability-weight correction
// (numpy.cov with aweights). InvalidArgument below 2 rows.
[[nodiscard]] absl::StatusOr<GaussianMoments> FitGaussian(const FeatureMatrix& sample,
                                                          bool use_weights = true);

// FrechetDistance between two Gaussians given by their moments.
// InvalidArgument for mismatched or malformed dimensions, a non-finite
// entry, or a covariance that is not symmetric (to 1e-9 relative).
[[nodiscard]] absl::StatusOr<double> FrechetDistance(const GaussianMoments& a,
                                                     const GaussianMoments& b, double eps = 1e-6);

// FrechetDistance between Gaussians fitted to two samples.
[[nodiscard]] absl::StatusOr<double> FrechetDistance(const FeatureMatrix& x,
                                                     const FeatureMatrix& y);

// kRecommendedSamples is JetNet's recommended sample size for FPD and KPD.
inline constexpr int64_t kRecommendedSamples = 50000;

struct FpdConfig {
  int64_t min_samples = 20000;
  int64_t max_samples = 50000;
  int num_batches = 20;  // resamples averaged per batch size
  int num_points = 10;   // batch sizes
  bool normalise = true;
  uint64_t seed = 42;
};

struct FpdResult {
  double value = 0;  // the intercept a
  double error = 0;
  double slope = 0;                  // b
  std::vector<int64_t> batch_sizes;  // N per point
  std::vector<double> mean_fd;       // FD averaged over the resamples, per point
  std::vector<std::string> warnings;
};

// FpdBatchSizes returns JetNet's batch sizes, int(1 / linspace(1/min, 1/max, points)).
std::vector<int64_t> FpdBatchSizes(int64_t min_samples, int64_t max_samples, int num_points);

// FrechetPhysicsDistance computes FPD of `generated` against `reference`.
// InvalidArgument for mismatched columns, fewer than 2 rows, or
// min_samples, max_samples < 2, num_points < 2, num_batches < 1.
[[nodiscard]] absl::StatusOr<FpdResult> FrechetPhysicsDistance(const FeatureMatrix& reference,
                                                               const FeatureMatrix& generated,
                                                               const FpdConfig& config = {});

struct KpdConfig {
  int num_batches = 10;
  int64_t batch_size = 5000;
  bool normalise = true;
  uint64_t seed = 42;
};

struct KpdResult {
  double value = 0;  // median over batches
  double error = 0;  // half the 16.275 - 83.725 percentile range
  std::vector<double> batch_values;
  std::vector<std::string> warnings;
};

// KernelPhysicsDistance computes KPD of `generated` against `reference`.
// InvalidArgument for mismatched columns, fewer than 2 rows, batch_size < 2
// or num_batches < 1.
[[nodiscard]] absl::StatusOr<KpdResult> KernelPhysicsDistance(const FeatureMatrix& reference,
                                                              const FeatureMatrix& generated,
                                                              const KpdConfig& config = {});

}  // namespace evgen
