#include "core/metrics/histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

constexpr int kMaxBins = 10'000'000;

absl::Status CheckBins(int bins) {
  if (bins < 1 || bins > kMaxBins) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram: bins must be in [1, ", kMaxBins, "], got ", bins));
  }
  return absl::OkStatus();
}

absl::Status CheckWeights(const std::vector<double>& weights, size_t n) {
  if (weights.empty()) return absl::OkStatus();
  if (weights.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat("histogram: weights has ", weights.size(),
                                                   " entries for ", n, " values"));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(weights[i]) || weights[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "histogram: weight ", i, " is ", weights[i], "; weights must be finite and >= 0"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSameEdges(const Histogram& a, const Histogram& b, const char* what) {
  if (a.edges != b.edges) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the histograms have different bin edges (", a.num_bins(), " and ",
                     b.num_bins(), " bins)"));
  }
  return absl::OkStatus();
}

}  // namespace

double Histogram::Error(int i) const { return std::sqrt(sum_w2[i]); }

double Histogram::InRange() const { return std::accumulate(sum_w.begin(), sum_w.end(), 0.0); }

absl::StatusOr<std::vector<double>> FixedEdges(int bins, double lo, double hi) {
  EVGEN_RETURN_IF_ERROR(CheckBins(bins));
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram: need finite lo < hi, got lo = ", lo, ", hi = ", hi));
  }
  std::vector<double> edges(bins + 1);
  for (int i = 0; i <= bins; ++i) edges[i] = lo + (hi - lo) * i / bins;
  edges.back() = hi;
  return edges;
}

absl::StatusOr<std::vector<double>> EqualStatisticsEdges(const std::vector<double>& reference,
                                                         int bins,
                                                         const std::vector<double>& weights) {
  EVGEN_RETURN_IF_ERROR(CheckBins(bins));
  if (reference.empty()) {
    return absl::InvalidArgumentError("histogram: the reference sample is empty");
  }
  EVGEN_RETURN_IF_ERROR(CheckWeights(weights, reference.size()));
  for (size_t i = 0; i < reference.size(); ++i) {
    if (!std::isfinite(reference[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram: reference value ", i, " is not finite"));
    }
  }
  std::vector<double> edges(bins + 1);
  if (weights.empty()) {
    std::vector<double> x = reference;
    std::sort(x.begin(), x.end());
    const double n1 = static_cast<double>(x.size() - 1);
    for (int k = 0; k <= bins; ++k) {
      const double pos = n1 * k / bins;
      const size_t i = std::min(static_cast<size_t>(pos), x.size() - 1);
      const double frac = pos - static_cast<double>(i);
      edges[k] = i + 1 < x.size() ? x[i] + frac * (x[i + 1] - x[i]) : x[i];
    }
  } else {
    std::vector<size_t> order(reference.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return reference[a] < reference[b]; });
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    if (!(total > 0)) return absl::InvalidArgumentError("histogram: the weights sum to 0");
    double cumulative = 0;
    size_t j = 0;
    edges[0] = reference[order.front()];
    for (int k = 1; k < bins; ++k) {
      const double target = total * k / bins;
      while (j + 1 < order.size() && cumulative + weights[order[j]] < target) {
        cumulative += weights[order[j]];
        ++j;
      }
      edges[k] = reference[order[j]];
    }
    edges[bins] = reference[order.back()];
  }
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  if (edges.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram: the reference sample is constant (", edges.front(),
                     "); equal-statistics bins need a spread"));
  }
  return edges;
}

absl::StatusOr<Histogram> FillHistogram(const std::vector<double>& values,
                                        std::vector<double> edges,
                                        const std::vector<double>& weights) {
  if (edges.size() < 2) {
    return absl::InvalidArgumentError("histogram: need at least two edges");
  }
  for (size_t i = 0; i < edges.size(); ++i) {
    if (!std::isfinite(edges[i]) || (i > 0 && !(edges[i - 1] < edges[i]))) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram: edges must be finite and strictly increasing; edge ", i,
                       " is ", edges[i]));
    }
  }
  EVGEN_RETURN_IF_ERROR(CheckWeights(weights, values.size()));
  Histogram h;
  const int bins = static_cast<int>(edges.size()) - 1;
  h.sum_w.assign(bins, 0.0);
  h.sum_w2.assign(bins, 0.0);
  const double lo = edges.front();
  const double hi = edges.back();
  for (size_t i = 0; i < values.size(); ++i) {
    const double x = values[i];
    if (std::isnan(x)) {
      return absl::InvalidArgumentError(absl::StrCat("histogram: value ", i, " is NaN"));
    }
    const double w = weights.empty() ? 1.0 : weights[i];
    ++h.entries;
    if (x < lo) {
      h.underflow += w;
      continue;
    }
    if (x > hi) {
      h.overflow += w;
      continue;
    }
    int b = static_cast<int>(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin()) - 1;
    b = std::min(b, bins - 1);  // x == hi joins the last bin
    h.sum_w[b] += w;
    h.sum_w2[b] += w * w;
  }
  h.edges = std::move(edges);
  return h;
}

absl::StatusOr<Histogram> FillHistogramColumn(const Table& table, std::string_view column,
                                              std::vector<double> edges) {
  absl::StatusOr<int> c = table.ColumnIndex(column);
  if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat("histogram: ", c.status().message()));
  std::vector<double> values(table.num_rows());
  std::vector<double> weights;
  if (table.has_weights()) weights.resize(table.num_rows());
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    values[r] = table.at(r, *c);
    if (std::isnan(values[r])) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram: column ", std::string(column), " is NaN in row ", r));
    }
    if (table.has_weights()) weights[r] = table.weight(r);
  }
  absl::StatusOr<Histogram> h = FillHistogram(values, std::move(edges), weights);
  if (!h.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("column ", std::string(column), ": ", h.status().message()));
  }
  return h;
}

absl::StatusOr<Chi2Result> Chi2Test(const Histogram& a, const Histogram& b) {
  EVGEN_RETURN_IF_ERROR(CheckSameEdges(a, b, "chi2"));
  const double total_a = a.InRange();
  const double total_b = b.InRange();
  if (!(total_a > 0) || !(total_b > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "chi2: a histogram has no in-range weight (", total_a, " and ", total_b, ")"));
  }
  Chi2Result result;
  int used = 0;
  for (int i = 0; i < a.num_bins(); ++i) {
    if (!(a.sum_w[i] > 0) && !(b.sum_w[i] > 0)) continue;
    const double p = a.sum_w[i] / total_a;
    const double q = b.sum_w[i] / total_b;
    const double variance = a.sum_w2[i] / (total_a * total_a) + b.sum_w2[i] / (total_b * total_b);
    ++used;
    if (variance > 0) result.chi2 += (p - q) * (p - q) / variance;
  }
  result.ndf = std::max(used - 1, 0);
  result.chi2_per_ndf =
      result.ndf > 0 ? result.chi2 / result.ndf : std::numeric_limits<double>::quiet_NaN();
  return result;
}

absl::StatusOr<HistogramRatio> Ratio(const Histogram& numerator, const Histogram& denominator,
                                     bool normalize) {
  EVGEN_RETURN_IF_ERROR(CheckSameEdges(numerator, denominator, "ratio"));
  double scale_a = 1;
  double scale_b = 1;
  if (normalize) {
    const double total_a = numerator.InRange();
    const double total_b = denominator.InRange();
    if (!(total_a > 0) || !(total_b > 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ratio: a histogram has no in-range weight (", total_a, " and ", total_b, ")"));
    }
    scale_a = 1 / total_a;
    scale_b = 1 / total_b;
  }
  const int bins = numerator.num_bins();
  HistogramRatio r;
  r.ratio.assign(bins, 0.0);
  r.error.assign(bins, 0.0);
  r.valid.assign(bins, false);
  for (int i = 0; i < bins; ++i) {
    const double b = denominator.sum_w[i] * scale_b;
    if (!(b > 0)) continue;
    const double a = numerator.sum_w[i] * scale_a;
    const double var_a = numerator.sum_w2[i] * scale_a * scale_a;
    const double var_b = denominator.sum_w2[i] * scale_b * scale_b;
    r.ratio[i] = a / b;
    r.error[i] = std::sqrt(var_a / (b * b) + a * a * var_b / (b * b * b * b));
    r.valid[i] = true;
  }
  return r;
}

}  // namespace evgen
