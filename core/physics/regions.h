// regions.h: the analysis regions of the RPV-SUSY multijet search (Table 1 of
// Lin, Bhimji, Nachman 2019), used to select training and test jets.
//
//   region      N_jet(pT>200)  pT,1       |deta_12|  M_J^Sigma (sum of 4 leading masses)
//   control     = 3            -          -          -
//   validation  = 4            > 400 GeV  > 1.4      -
//               >= 5           -          > 1.4      -
//   signal      = 4            > 400 GeV  < 1.4      > 1.0 TeV
//               >= 5           -          < 1.4      > 0.8 TeV
// Events in none of them get Region::kNone.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

// Region codes are stored as floats in the "region" column of jet tables.
enum class Region { kNone = 0, kControl = 1, kValidation = 2, kSignal = 3 };

// RegionEvent holds the event-level quantities that decide an event's region.
struct RegionEvent {
  int n_jets = 0;
  double leading_pt_gev = 0;
  double abs_delta_eta_12 = 0;
  double sum_mass_leading4_gev = 0;
};

Region ClassifyRegion(const RegionEvent& event);

std::string_view RegionName(Region region);
// ParseRegion accepts "control", "validation", "signal", "none" and "all"
// (returned as std::nullopt-like kNone with all=true; see SelectRegion).
[[nodiscard]] absl::StatusOr<Region> ParseRegion(std::string_view name);

// SelectRegion returns the rows of `jets` whose "region" column equals
// `region_name`; "all" or "" returns the table unchanged. InvalidArgument for
// an unknown name or a table without a "region" column.
[[nodiscard]] absl::StatusOr<Table> SelectRegion(const Table& jets, std::string_view region_name);

}  // namespace evgen
