// mmd.h: the maximum mean discrepancy between two samples, unbiased, with
// the kernels of Butter, Plehn, Winterhalder 2019 (eqs. 15-16) and a
// multi-scale sum, plus a bootstrap error.
//
// Definition (eq. 15, unbiased U-statistic form). For samples x_1..x_m and
// y_1..y_n with weights w and v (all 1 when a sample has none),
//   MMD^2 = sum_{i!=j} w_i w_j k(x_i, x_j) / ((sum w)^2 - sum w^2)
//         + sum_{i!=j} v_i v_j k(y_i, y_j) / ((sum v)^2 - sum v^2)
//         - 2 sum_{i,j} w_i v_j k(x_i, y_j) / (sum w sum v),
// which for unit weights is the usual 1/(m(m-1)), 1/(n(n-1)), 1/(mn) form
// and has expectation exactly MMD^2(P, Q): 0 for P = Q, so it can be
// negative. With r = |x - y| (Euclidean over the d features):
//   Gaussian           k = exp(-r^2 / (2 sigma^2))
//   Breit-Wigner       k = sigma^2 / (r^2 + sigma^2)         (eq. 16)
//   multi-scale        k = sum_s exp(-r^2 / (2 s^2)) over `sigmas`
//   polynomial         k = (x.y / d + 1)^degree              (JetNet's KPD)
// The paper applies eq. 16 to one invariant mass at a time; pass a one-column
// sample for that and choose sigma of the order of the resonance width.
//
// Cost is O(m n d) time, O(chunk_rows * max(m, n)) memory. Samples larger
// than max_samples are subsampled without replacement (seeded) before
// anything else, and the result says so.
//
// Example:
//   MmdConfig config;
//   config.kernel = MmdKernel::kBreitWigner;
//   config.sigma = 2.0;  // GeV, of order the W width
//   EVGEN_ASSIGN_OR_RETURN(FeatureMatrix ref, FeatureMatrixFromTable(truth, {"m_w_gev"}));
//   EVGEN_ASSIGN_OR_RETURN(FeatureMatrix gen, FeatureMatrixFromTable(sample, {"m_w_gev"}));
//   EVGEN_ASSIGN_OR_RETURN(MmdResult r, Mmd(ref, gen, config));
//   // r.mmd2 +- r.error
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

// FeatureMatrix is a dense row-major matrix of doubles (rows = events) with
// optional per-row weights, the input of the distance metrics.
struct FeatureMatrix {
  int64_t rows = 0;
  int cols = 0;
  std::vector<double> values;   // rows * cols, row-major
  std::vector<double> weights;  // empty, or one per row

  double at(int64_t r, int c) const { return values[r * cols + c]; }
};

// MakeFeatureMatrix checks that values.size() == rows * cols, weights are
// empty or one per row, and every value and weight is finite.
[[nodiscard]] absl::StatusOr<FeatureMatrix> MakeFeatureMatrix(int64_t rows, int cols,
                                                              std::vector<double> values,
                                                              std::vector<double> weights = {});

// FeatureMatrixFromTable copies `columns` of `table` (all columns when
// empty) and its weights. InvalidArgument for an unknown column or a
// non-finite value.
[[nodiscard]] absl::StatusOr<FeatureMatrix> FeatureMatrixFromTable(
    const Table& table, const std::vector<std::string>& columns = {});

enum class MmdKernel { kGaussian, kBreitWigner, kMultiScaleGaussian, kPolynomial };

struct MmdConfig {
  MmdKernel kernel = MmdKernel::kGaussian;
  double sigma = 1.0;                                   // kGaussian, kBreitWigner
  std::vector<double> sigmas = {0.2, 0.5, 1.0, 2.0, 5.0};  // kMultiScaleGaussian
  int degree = 4;                                       // kPolynomial
  bool use_weights = true;  // false: treat weighted samples as unweighted
  // max_samples caps each sample: larger ones are replaced by max_samples
  // rows drawn without replacement from CounterRng(seed, ...). With the
  // default 2000 rows and 20 bootstraps one call takes ~2-4 s on one busy
  // core (d = 4; time grows as max_samples^2). 0 disables the cap.
  int64_t max_samples = 2000;
  // bootstrap resamples (with replacement, both samples) for the error: the
  // standard deviation of the B estimates. 0 disables (error = -1).
  int bootstrap = 20;
  uint64_t seed = 0;
  int64_t chunk_rows = 256;  // rows of the kernel matrix held at once
};

struct MmdResult {
  double mmd2 = 0;
  double error = -1;  // bootstrap standard deviation; negative when not computed
  int64_t rows_x = 0;  // rows used after the cap
  int64_t rows_y = 0;
  bool subsampled = false;
  std::vector<std::string> warnings;
};

// UnbiasedMmd2 evaluates the estimator above on all rows (no cap, no
// bootstrap). InvalidArgument for mismatched columns, fewer than 2 rows, a
// non-positive sigma or degree, or weights with (sum w)^2 == sum w^2.
[[nodiscard]] absl::StatusOr<double> UnbiasedMmd2(const FeatureMatrix& x, const FeatureMatrix& y,
                                                  const MmdConfig& config = {});

// Mmd applies the cap, evaluates UnbiasedMmd2 and its bootstrap error.
[[nodiscard]] absl::StatusOr<MmdResult> Mmd(const FeatureMatrix& x, const FeatureMatrix& y,
                                            const MmdConfig& config = {});

// Mmd on tables compares `columns` (all when empty) of the two tables.
[[nodiscard]] absl::StatusOr<MmdResult> Mmd(const Table& x, const Table& y,
                                            const std::vector<std::string>& columns = {},
                                            const MmdConfig& config = {});

}  // namespace evgen
