// calibration.h: calibration of a posterior (an unfolding cINN's p(truth |
// detector)) against the truths of held-out events, as in Fig. 19 of the
// Butter-Plehn review: for each nominal quantile level q, the fraction of
// events whose truth lies below the q-quantile of its own posterior. A
// calibrated posterior gives q at every level; one too narrow gives too
// many truths below the low quantiles and too few below the high ones (an
// S-shape about the diagonal), a biased one a curve shifted to one side.
//
// Layout: `truth` holds M events, one row each; `posterior` holds K samples
// per event, K * M rows, and its row r belongs to event r mod M. That is the
// order `evgen sample N --conditions-from HELDOUT` writes, since the sampler
// reuses the condition rows in turn when N exceeds them.
//
// Definitions, per column and level:
// - levels: q_i = (i + 0.5) / levels, i = 0 .. levels - 1 (10 levels: 0.05,
//   0.15, .., 0.95); they avoid 0 and 1, where K samples have no quantile.
// - the q-quantile of an event's K sorted samples x_(1) <= .. <= x_(K) is
//   x_(h) at the 1-based position h = q (K + 1), linearly interpolated
//   between neighbours (Hyndman-Fan type 6). With it the truth of a
//   calibrated posterior lies below the estimate with probability q for
//   any K (its rank among the K samples is uniform on 0..K), where the more
//   common type 7, h = 1 + q (K - 1), would pull the curve towards 0.5 by
//   about (1 - 2q) / (K + 1). h must lie in [1, K], so K >= 1 / q_0 - 1
//   (19 for 10 levels).
// - coverage(q) = #{events: truth < quantile_q} / M; error = sqrt(q (1 - q)
//   / M), the binomial spread of a calibrated posterior's coverage.
// - max_abs_deviation = max over columns and levels of |coverage - q|; its
//   error is that level's.
// Weights, where a table has them, are not used: calibration is a property of
// each event's posterior.
//
// Errors are InvalidArgument naming the metric option or the table: a column
// missing from either table, levels outside [2, 100], an empty truth table,
// a posterior whose row count is not a positive multiple of the truth's, too
// few samples per event for the levels, and a non-finite value (named by
// column and row). Cost: one sort of K values per event and column.
//
// Example: truths (0.5, 10), posterior rows (0, 1, 1, 2, 2, 3) (event 0:
// 0, 1, 2; event 1: 1, 2, 3), levels = 2: q = 0.25 is h = 1, the smallest
// sample, and q = 0.75 is h = 3, the largest; coverage (0, 0.5), so
// max_abs_deviation = 0.25.
//   CalibrationConfig config;
//   config.columns = {"pt1_gen", "pt2_gen"};
//   EVGEN_ASSIGN_OR_RETURN(CalibrationResult r, Calibration(truth, posterior, config));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

struct CalibrationConfig {
  std::vector<std::string> columns;  // empty: every truth column the posterior also has
  int levels = 10;
};

// CalibrationCurve is one column's coverage at each nominal level.
struct CalibrationCurve {
  std::string column;
  std::vector<double> nominal;
  std::vector<double> coverage;
  std::vector<double> error;
  double max_abs_deviation = 0;
  int worst_level = 0;  // index into nominal
};

struct CalibrationResult {
  int64_t events = 0;
  int64_t samples_per_event = 0;
  std::vector<CalibrationCurve> curves;
  double max_abs_deviation = 0;
  double error = 0;  // of max_abs_deviation
  int worst_curve = 0;
};

// Calibration computes the curves described above.
[[nodiscard]] absl::StatusOr<CalibrationResult> Calibration(const Table& truth, const Table& posterior,
                                                            const CalibrationConfig& config = {});

}  // namespace evgen
