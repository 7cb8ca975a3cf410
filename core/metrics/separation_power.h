// separation_power.h: the separation power of eq. 3.1 in Lin, Bhimji,
// Nachman 2019, S(P1, P2) = 1/2 * integral (P1 - P2)^2 / (P1 + P2) dx, which
// is 0 for identical and 1 for disjoint distributions.
//
// Estimated the paper's way on jet tables: the reference jets are split into
// 2^k cells of equal statistics, first in two at the median of the first cell
// column (pT), then each half at its median of the second (|eta|), then of the
// third (N_track). Both tables are binned into those cells and, in each cell,
// into value_bins bins of the value column (mass) spanning both samples' range
// in that cell. S is eq. 3.1 evaluated on that joint binned space, with each
// table's cell fractions included, so it equals the cell-fraction weighted
// mean of the per-cell separations when both tables share their kinematics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

struct SeparationPowerConfig {
  std::vector<std::string> cell_columns = {"pt_gev", "eta", "n_track"};
  std::vector<std::string> abs_columns = {"eta"};  // split on |x| for these
  std::string value_column = "mass_gev";
  int value_bins = 25;
};

struct SeparationCell {
  std::vector<double> lower;  // per cell column, the cell's lower edge (-inf at the start)
  std::vector<double> upper;
  int64_t reference_count = 0;
  int64_t generated_count = 0;
  double separation = 0;  // binned S of the value distributions in this cell
};

struct SeparationPowerResult {
  double separation = 0;  // the combined S
  std::vector<SeparationCell> cells;
};

// BinnedSeparation evaluates eq. 3.1 for two histograms (any normalisation;
// each is normalised to unit sum first). Bins empty in both contribute 0.
double BinnedSeparation(const std::vector<double>& counts1, const std::vector<double>& counts2);

// SeparationPower compares `generated` with `reference`. InvalidArgument when
// a configured column is missing from either table, a table is empty, or
// value_bins is outside [2, 10000]. Event weights are used when present.
[[nodiscard]] absl::StatusOr<SeparationPowerResult> SeparationPower(
    const Table& reference, const Table& generated, const SeparationPowerConfig& config = {});

}  // namespace evgen
