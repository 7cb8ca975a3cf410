// histogram.h: one-dimensional weighted histograms, the chi2/ndf between two
// of them and their bin-by-bin ratio, the numbers behind the papers' ratio
// panels.
//
// Binning is either fixed (n equal bins over [lo, hi]) or of equal statistics
// (edges at the quantiles of a reference sample, so each bin holds about the
// same reference weight). Bin i covers [edges[i], edges[i+1]); the last bin
// also holds x == edges.back(), so the reference maximum of an
// equal-statistics binning lands inside. Values below the first edge go to
// the underflow, above the last to the overflow; neither enters chi2 or the
// ratio. Each bin keeps sum(w) and sum(w^2): its Poisson error is
// sqrt(sum(w^2)), which is sqrt(N) for unweighted events.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(std::vector<double> edges, EqualStatisticsEdges(ref, 20));
//   EVGEN_ASSIGN_OR_RETURN(Histogram h_ref, FillHistogram(ref, edges));
//   EVGEN_ASSIGN_OR_RETURN(Histogram h_gen, FillHistogram(gen, edges));
//   EVGEN_ASSIGN_OR_RETURN(Chi2Result chi2, Chi2Test(h_gen, h_ref));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

struct Histogram {
  std::vector<double> edges;   // num_bins() + 1, strictly increasing
  std::vector<double> sum_w;   // per bin, sum of event weights
  std::vector<double> sum_w2;  // per bin, sum of squared event weights
  double underflow = 0;        // sum of weights below edges.front()
  double overflow = 0;         // sum of weights above edges.back()
  int64_t entries = 0;         // events filled, under/overflow included

  int num_bins() const { return static_cast<int>(sum_w.size()); }
  // Error is the Poisson error of bin i, sqrt(sum w^2).
  double Error(int i) const;
  // InRange is the sum of weights inside [edges.front(), edges.back()].
  double InRange() const;
};

// FixedEdges returns bins + 1 equally spaced edges over [lo, hi].
// InvalidArgument unless 1 <= bins <= 10^7 and lo < hi are finite.
[[nodiscard]] absl::StatusOr<std::vector<double>> FixedEdges(int bins, double lo, double hi);

// EqualStatisticsEdges returns edges at the quantiles k / bins, k = 0..bins,
// of `reference`: edge 0 is its minimum, the last its maximum. Unweighted,
// quantiles interpolate linearly between order statistics (numpy's default
// "linear" method); weighted, edge k is the smallest value whose cumulative
// weight reaches k / bins of the total. Ties can make quantiles coincide;
// coinciding edges are merged, so fewer than `bins` bins may come back.
// InvalidArgument for an empty sample, a non-finite value or weight, a
// negative weight, weights of the wrong length, a constant sample or bins
// outside [1, 10^7].
[[nodiscard]] absl::StatusOr<std::vector<double>> EqualStatisticsEdges(
    const std::vector<double>& reference, int bins, const std::vector<double>& weights = {});

// FillHistogram bins `values` (with `weights`, one per value, or unit
// weights when empty) on `edges`. InvalidArgument for edges that are not
// strictly increasing and finite (at least two), a NaN value, a non-finite or
// negative weight, or weights of the wrong length. Infinite values go to the
// under/overflow.
[[nodiscard]] absl::StatusOr<Histogram> FillHistogram(const std::vector<double>& values,
                                                      std::vector<double> edges,
                                                      const std::vector<double>& weights = {});

// FillHistogramColumn fills `column` of `table` with the table's event
// weights. InvalidArgument naming the column when it is missing or holds NaN.
[[nodiscard]] absl::StatusOr<Histogram> FillHistogramColumn(const Table& table,
                                                            std::string_view column,
                                                            std::vector<double> edges);

// Chi2Result is the shape comparison of two histograms on the same edges.
//
// Both are normalised to unit in-range weight, p_i = a_i / A and
// q_i = b_i / B, with errors s_p = sqrt(sum w^2 of a_i) / A, likewise s_q,
// and
//   chi2 = sum over bins non-empty in a or b of (p_i - q_i)^2 / (s_p^2 + s_q^2),
//   ndf  = (number of those bins) - 1,
// one degree of freedom going to the normalisation. For two samples of one
// distribution chi2/ndf is ~1; the uncertainty of the totals A, B is ignored,
// as in the usual "unit-normalised shapes" comparison.
struct Chi2Result {
  double chi2 = 0;
  int ndf = 0;
  double chi2_per_ndf = 0;  // NaN when ndf is 0
};

// Chi2Test compares the shapes of `a` and `b`. InvalidArgument when their
// edges differ or either has no in-range weight.
[[nodiscard]] absl::StatusOr<Chi2Result> Chi2Test(const Histogram& a, const Histogram& b);

// HistogramRatio is numerator / denominator per bin with its statistical
// error propagated from both bins' Poisson errors (independent samples):
//   r = a / b,  s_r^2 = s_a^2 / b^2 + a^2 s_b^2 / b^4,
// i.e. s_r = r sqrt((s_a / a)^2 + (s_b / b)^2) where a > 0. With `normalize`,
// a, b and their errors are first divided by their in-range totals (shape
// ratio). Bins with an empty denominator have valid[i] = false and ratio and
// error 0.
struct HistogramRatio {
  std::vector<double> ratio;
  std::vector<double> error;
  std::vector<bool> valid;
};

// Ratio divides `numerator` by `denominator`. InvalidArgument when their
// edges differ, or with `normalize`, when either has no in-range weight.
[[nodiscard]] absl::StatusOr<HistogramRatio> Ratio(const Histogram& numerator,
                                                   const Histogram& denominator,
                                                   bool normalize = false);

}  // namespace evgen
