#include "core/metrics/calibration.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/util/stop_check.h"

namespace evgen {
namespace {

constexpr int kMinLevels = 2;
constexpr int kMaxLevels = 100;

// QuantileType6 returns the q-quantile of sorted `x` at the 1-based position
// h = q (K + 1), which the caller has checked lies in [1, K].
double QuantileType6(const std::vector<double>& x, double q) {
  const double h = q * static_cast<double>(x.size() + 1);
  // 1-based; the clamp only absorbs rounding at h = 1 or h = K.
  const size_t j = std::clamp<size_t>(static_cast<size_t>(std::floor(h)), 1, x.size());
  if (j >= x.size()) return x.back();
  const double f = h - static_cast<double>(j);
  return x[j - 1] + f * (x[j] - x[j - 1]);
}

absl::Status CheckFinite(const Table& table, int column, const std::string& side, const std::string& name) {
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    if (!std::isfinite(table.at(r, column))) {
      return absl::InvalidArgumentError(absl::StrCat("calibration: ", side, " column '", name, "' row ", r,
                                                     " is not finite (", table.at(r, column), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CalibrationResult> Calibration(const Table& truth, const Table& posterior,
                                              const CalibrationConfig& config) {
  if (config.levels < kMinLevels || config.levels > kMaxLevels) {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.levels: must be in [", kMinLevels, ", ",
                                                   kMaxLevels, "], got ", config.levels));
  }
  const int64_t m = truth.num_rows();
  if (m == 0) return absl::InvalidArgumentError("calibration: the truth (reference) table has no rows");
  if (posterior.num_rows() == 0 || posterior.num_rows() % m != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "calibration: the posterior (candidate) must hold K samples per truth event, K * ", m,
        " rows with row r belonging to event r mod ", m, "; got ", posterior.num_rows(), " rows"));
  }
  const int64_t k = posterior.num_rows() / m;
  // Type-6 positions must lie in [1, K]: q_0 (K + 1) >= 1 and, by symmetry,
  // the highest level too.
  const double q0 = 0.5 / config.levels;
  const int64_t k_min = static_cast<int64_t>(std::ceil(1 / q0 - 1 - 1e-9));
  if (k < k_min) {
    return absl::InvalidArgumentError(absl::StrCat("calibration: ", k, " posterior samples per event (",
                                                   posterior.num_rows(), " rows for ", m,
                                                   " events) are too few for metrics.options.levels=",
                                                   config.levels, "; need at least ", k_min));
  }

  std::vector<std::string> columns = config.columns;
  if (columns.empty()) {
    for (const std::string& c : truth.columns()) {
      if (posterior.HasColumn(c)) columns.push_back(c);
    }
    if (columns.empty()) {
      return absl::InvalidArgumentError("calibration: the truth and posterior tables share no column");
    }
  }

  CalibrationResult result;
  result.events = m;
  result.samples_per_event = k;
  std::vector<double> samples(static_cast<size_t>(k));
  for (const std::string& name : columns) {
    if (!truth.HasColumn(name) || !posterior.HasColumn(name)) {
      return absl::InvalidArgumentError(absl::StrCat("metrics.options.columns: '", name, "' is not a column of the ",
                                                     truth.HasColumn(name) ? "posterior (candidate)" : "truth (reference)",
                                                     " table"));
    }
    const int tc = *truth.ColumnIndex(name), pc = *posterior.ColumnIndex(name);
    if (absl::Status s = CheckFinite(truth, tc, "truth", name); !s.ok()) return s;
    if (absl::Status s = CheckFinite(posterior, pc, "posterior", name); !s.ok()) return s;

    CalibrationCurve curve;
    curve.column = name;
    std::vector<int64_t> below(static_cast<size_t>(config.levels), 0);
    for (int64_t e = 0; e < m; ++e) {
      if (e % 4096 == 0 && StopRequested()) break;  // the caller discards a stopped result
      for (int64_t s = 0; s < k; ++s) samples[static_cast<size_t>(s)] = posterior.at(s * m + e, pc);
      std::sort(samples.begin(), samples.end());
      const double x = truth.at(e, tc);
      for (int i = 0; i < config.levels; ++i) {
        const double q = (i + 0.5) / config.levels;
        if (x < QuantileType6(samples, q)) ++below[static_cast<size_t>(i)];
      }
    }
    for (int i = 0; i < config.levels; ++i) {
      const double q = (i + 0.5) / config.levels;
      const double coverage = static_cast<double>(below[static_cast<size_t>(i)]) / static_cast<double>(m);
      curve.nominal.push_back(q);
      curve.coverage.push_back(coverage);
      curve.error.push_back(std::sqrt(q * (1 - q) / static_cast<double>(m)));
      if (std::abs(coverage - q) > curve.max_abs_deviation) {
        curve.max_abs_deviation = std::abs(coverage - q);
        curve.worst_level = i;
      }
    }
    if (result.curves.empty() || curve.max_abs_deviation > result.max_abs_deviation) {
      result.max_abs_deviation = curve.max_abs_deviation;
      result.error = curve.error[static_cast<size_t>(curve.worst_level)];
      result.worst_curve = static_cast<int>(result.curves.size());
    }
    result.curves.push_back(std::move(curve));
  }
  return result;
}

}  // namespace evgen
