// binned_mean.h: the mean of one column (value_column, e.g. the jet mass) in
// bins of another (by, e.g. N_track), reference against candidate. A model
// can get the inclusive mass distribution right and still miss how the mass
// grows with N_track; Lin, Bhimji, Nachman 2019 show that templates binned in
// pT and eta ignore N_track, so the mean mass in low- and high-N_track bins is
// where they fail.
//
// Definitions (w are event weights, 1 when a table has none):
// - Bins: explicit `edges`, or `bins` equal-statistics bins from the
//   reference's weighted quantiles of `by`. The outer edges are the
//   reference's smallest and largest `by`; an inner edge sits midway between
//   two neighbouring distinct reference values, at the gap whose weight below
//   is closest to k / bins of the total. Tied values (an integer N_track) thus
//   never straddle an edge, and where several quantiles fall in one gap the
//   coinciding edges are merged: every quantile bin holds reference rows, and
//   there may be fewer than `bins` of them. A bin is lower <= x < upper, the
//   last one closed. Rows of either table outside [first edge, last edge] are
//   left out and counted.
// - Per bin and table: mean = sum(w x) / sum(w); its error is s / sqrt(n_eff)
//   with s^2 = sum(w (x - mean)^2) / (sum(w) - sum(w^2) / sum(w)) (the sample
//   variance, n - 1 in the denominator for unit weights) and Kish's
//   n_eff = sum(w)^2 / sum(w^2). A bin with one row, or whose weights do not
//   sum to a positive number, has a NaN error (and mean, for the latter).
// - relative_difference = (candidate_mean - reference_mean) / reference_mean,
//   NaN for a bin empty on either side or with a zero reference mean.
// - max_abs_relative_difference: the largest |relative_difference| over the
//   bins where it is finite; its error is that bin's, propagated from both
//   means' errors: sqrt(err_c^2 + (c / r)^2 err_r^2) / |r|.
//
// Errors are InvalidArgument naming the config field, whose names are the
// metric's option names (metrics.options.by, .value_column, .bins, .edges):
// a column missing from a table, bins outside [1, 100], edges not finite, not
// strictly increasing or fewer than 2, a non-finite value in either column
// (dropping it would flatter a generator that emits NaN), a reference with no
// rows, and no bin with rows in both tables. Cost: one sort of the
// reference's `by` column.
//
// Example: reference n_track = (1, 1, 2, 2) with mass = (10, 20, 30, 50),
// candidate n_track = (1, 1, 2) with mass = (16, 20, 44), bins = 2. The
// edges are (1, 1.5, 2):
//   bin [1, 1.5): reference mean 15 +- 5, candidate 18 +- 2, relative +0.2
//   bin [1.5, 2]: reference mean 40 +- 10, candidate 44 (one row), relative +0.1
// so max_abs_relative_difference = 0.2 +- sqrt(2^2 + (18/15 * 5)^2) / 15 = 0.42.
//   BinnedMeanConfig config;
//   config.bins = 2;
//   EVGEN_ASSIGN_OR_RETURN(BinnedMeanResult r, BinnedMean(reference, candidate, config));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

struct BinnedMeanConfig {
  std::string value_column = "mass_gev";
  std::string by = "n_track";
  int bins = 4;               // equal-statistics bins, used when edges is empty
  std::vector<double> edges;  // explicit bin edges of `by`, strictly increasing
};

// MeanEstimate is one table's weighted mean in one bin.
struct MeanEstimate {
  int64_t rows = 0;
  double mean = 0;   // NaN when rows == 0
  double error = 0;  // NaN when it cannot be estimated
};

struct BinnedMeanBin {
  double lower = 0;
  double upper = 0;
  MeanEstimate reference;
  MeanEstimate candidate;
  double relative_difference = 0;  // NaN: empty on a side or zero reference mean
};

struct BinnedMeanResult {
  std::vector<BinnedMeanBin> bins;
  double max_abs_relative_difference = 0;
  double error = 0;     // of max_abs_relative_difference, NaN when unknown
  int worst_bin = -1;   // index of the bin giving the maximum
  int64_t reference_outside = 0;  // rows outside [first edge, last edge]
  int64_t candidate_outside = 0;
};

// BinnedMean compares `candidate` with `reference` as described above.
[[nodiscard]] absl::StatusOr<BinnedMeanResult> BinnedMean(const Table& reference, const Table& candidate,
                                                          const BinnedMeanConfig& config = {});

}  // namespace evgen
