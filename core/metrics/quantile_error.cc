#include "core/metrics/quantile_error.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace evgen {
namespace {

constexpr int kMinQuantiles = 2;
constexpr int kMaxQuantiles = 1000;

absl::Status CheckQuantiles(int quantiles) {
  if (quantiles < kMinQuantiles || quantiles > kMaxQuantiles) {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.quantiles: must be an integer in [",
                                                   kMinQuantiles, ", ", kMaxQuantiles, "], got ", quantiles));
  }
  return absl::OkStatus();
}

absl::Status CheckFinite(const std::vector<double>& values, const char* which) {
  const auto bad = std::find_if(values.begin(), values.end(), [](double x) { return !std::isfinite(x); });
  if (bad == values.end()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("metrics: the ", which, " has a non-finite value (", *bad,
                                                 ") at position ", bad - values.begin(),
                                                 "; the quantile error needs every value binned"));
}

}  // namespace

absl::StatusOr<std::vector<double>> QuantileEdges(std::vector<double> reference, int quantiles) {
  if (absl::Status s = CheckQuantiles(quantiles); !s.ok()) return s;
  if (absl::Status s = CheckFinite(reference, "reference"); !s.ok()) return s;
  if (static_cast<int64_t>(reference.size()) < quantiles) {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.quantiles: the reference has ",
                                                   reference.size(), " values, fewer than the ", quantiles,
                                                   " quantiles asked for"));
  }
  std::sort(reference.begin(), reference.end());
  const double last = static_cast<double>(reference.size() - 1);
  std::vector<double> edges;
  edges.reserve(quantiles - 1);
  for (int k = 1; k < quantiles; ++k) {
    const double position = last * k / quantiles;
    const size_t below = static_cast<size_t>(std::floor(position));
    const size_t above = std::min(below + 1, reference.size() - 1);
    const double t = position - static_cast<double>(below);
    edges.push_back(reference[below] + t * (reference[above] - reference[below]));
  }
  return edges;
}

absl::StatusOr<QuantileErrorResult> QuantileError(const std::vector<double>& edges,
                                                  const std::vector<double>& candidate) {
  const int quantiles = static_cast<int>(edges.size()) + 1;
  if (absl::Status s = CheckQuantiles(quantiles); !s.ok()) return s;
  for (size_t k = 0; k < edges.size(); ++k) {
    if (!std::isfinite(edges[k]) || (k > 0 && edges[k] < edges[k - 1])) {
      return absl::InvalidArgumentError("metrics: quantile edges must be finite and non-decreasing");
    }
  }
  if (candidate.empty()) return absl::InvalidArgumentError("metrics: the candidate has no values");
  if (absl::Status s = CheckFinite(candidate, "candidate"); !s.ok()) return s;
  std::vector<int64_t> counts(quantiles, 0);
  for (double x : candidate) {
    // Bin j is (e_{j-1}, e_j]: the number of edges strictly below x.
    ++counts[std::lower_bound(edges.begin(), edges.end(), x) - edges.begin()];
  }
  QuantileErrorResult result;
  result.rows = static_cast<int64_t>(candidate.size());
  const double n = static_cast<double>(result.rows);
  double sum2 = 0;
  for (int64_t c : counts) {
    const double p = static_cast<double>(c) / n;
    result.fractions.push_back(p);
    sum2 += (p - 1.0 / quantiles) * (p - 1.0 / quantiles);
  }
  result.mse = sum2 / quantiles;
  result.equivalent_events = EquivalentTruthEvents(quantiles, result.mse);
  result.expected_truth_mse = ExpectedTruthMse(quantiles, n);
  return result;
}

double ExpectedTruthMse(int quantiles, double n) {
  const double q = 1.0 / quantiles;
  return q * (1 - q) / n;
}

double TruthMseStd(int quantiles, double n) {
  const double k = quantiles;
  return std::sqrt(2 * (k - 1) * (1 - 1 / n)) / (n * k * k);
}

double EquivalentTruthEvents(int quantiles, double mse) {
  if (!(mse > 0)) return std::numeric_limits<double>::infinity();
  const double q = 1.0 / quantiles;
  return q * (1 - q) / mse;
}

}  // namespace evgen
