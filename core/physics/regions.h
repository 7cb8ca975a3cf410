// regions.h: the analysis regions of the RPV-SUSY multijet search (Table 1 of
// Lin, Bhimji, Nachman 2019), used to select training and test jets.
//
//   region      N_jet(pT>200)  pT,1       |deta_12|  M_J^Sigma (sum of 4 leading masses)
//   control     = 3            -          -          -
//   validation  = 4            > 400 GeV  > 1.4      -
//               >= 5           -          > 1.4      -
//   signal      = 4            > 400 GeV  < 1.4      > 1.0 TeV
//               >= 5           -          < 1.4      > 0.8 TeV
// Events in none of them get Region::kNone. Every cut is strict, as in the
// table: an event exactly on a boundary (pT,1 = 400 GeV, |deta_12| = 1.4, or
// M_J^Sigma equal to its cut) fails that cut.
#pragma once

#include <cstdint>
#include <map>
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

// ClassifyRegion applies Table 1 to one event. n_jets counts the jets passing
// pT > 200 GeV and |eta| < 2.0; the caller computes the event quantities from
// those jets (ordered by pT, the leading jet first).
Region ClassifyRegion(const RegionEvent& event);

std::string_view RegionName(Region region);
// ParseRegion maps a region name (case-insensitive) to its Region: "control",
// "validation", "signal" and "none". "all" is accepted as well and returns
// Region::kNone, because "all" is a selection rather than a region; callers
// that must tell "all" from "none" check for "all" first, as SelectRegion
// does. Any other name is InvalidArgument with the allowed names listed.
[[nodiscard]] absl::StatusOr<Region> ParseRegion(std::string_view name);

// SelectRegion returns the rows of `jets` whose "region" column equals
// `region_name`; "all" or "" returns the table unchanged. InvalidArgument for
// an unknown name or a table without a "region" column.
[[nodiscard]] absl::StatusOr<Table> SelectRegion(const Table& jets, std::string_view region_name);

// CountRegionRows returns how many rows SelectRegion would keep, without
// copying them (request validation runs it on every submit).
[[nodiscard]] absl::StatusOr<int64_t> CountRegionRows(const Table& jets, std::string_view region_name);

// CountRowsPerRegion returns the rows of each region present in the "region"
// column, keyed by RegionName ("control", ..., "none"); empty for a table
// without that column. A value that is no region code (2.5, NaN) counts under
// "unknown", so the counts always add up to the table's rows.
std::map<std::string, int64_t> CountRowsPerRegion(const Table& jets);

}  // namespace evgen
