#include "core/physics/regions.h"

#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace evgen {
namespace {

// Cuts of Table 1 (Lin, Bhimji, Nachman 2019). Every cut is strict, as written
// in the table, so an event sitting exactly on a boundary is in no region.
constexpr double kLeadingPtCut4JetsGev = 400.0;
constexpr double kDeltaEtaCut = 1.4;
constexpr double kSumMassCut4JetsGev = 1000.0;
constexpr double kSumMassCut5JetsGev = 800.0;

constexpr char kAllowedNames[] = "control, validation, signal, none, all";

}  // namespace

Region ClassifyRegion(const RegionEvent& event) {
  if (event.n_jets == 3) return Region::kControl;
  if (event.n_jets < 4) return Region::kNone;
  // The = 4 jet rows of both the validation and the signal region require a
  // hard leading jet; the >= 5 jet rows do not.
  if (event.n_jets == 4 && !(event.leading_pt_gev > kLeadingPtCut4JetsGev)) return Region::kNone;
  if (event.abs_delta_eta_12 > kDeltaEtaCut) return Region::kValidation;
  if (event.abs_delta_eta_12 < kDeltaEtaCut) {
    const double mass_cut = event.n_jets == 4 ? kSumMassCut4JetsGev : kSumMassCut5JetsGev;
    if (event.sum_mass_leading4_gev > mass_cut) return Region::kSignal;
  }
  return Region::kNone;
}

std::string_view RegionName(Region region) {
  switch (region) {
    case Region::kNone:
      return "none";
    case Region::kControl:
      return "control";
    case Region::kValidation:
      return "validation";
    case Region::kSignal:
      return "signal";
  }
  return "unknown";
}

absl::StatusOr<Region> ParseRegion(std::string_view name) {
  // Debian's Abseil is built with its own absl::string_view (not an alias of
  // std::string_view), hence the explicit std::string conversions.
  const std::string lower = absl::AsciiStrToLower(std::string(name));
  if (lower == "control") return Region::kControl;
  if (lower == "validation") return Region::kValidation;
  if (lower == "signal") return Region::kSignal;
  if (lower == "none" || lower == "all") return Region::kNone;
  return absl::InvalidArgumentError(
      absl::StrCat("region: unknown region '", std::string(name), "'; allowed: ", kAllowedNames));
}

namespace {

// RegionFilter resolves a region name to (column index, region code), or to
// nullopt for "all" / "" (every row).
absl::StatusOr<std::optional<std::pair<int, float>>> RegionFilter(const Table& jets,
                                                                   std::string_view region_name) {
  const std::string lower = absl::AsciiStrToLower(std::string(region_name));
  if (lower.empty() || lower == "all") return std::optional<std::pair<int, float>>();
  absl::StatusOr<Region> region = ParseRegion(lower);
  if (!region.ok()) return region.status();
  absl::StatusOr<int> column = jets.ColumnIndex("region");
  if (!column.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("region: cannot select region '", std::string(region_name),
                     "' from a table without a 'region' column: ", column.status().message()));
  }
  return std::make_optional(std::make_pair(*column, static_cast<float>(static_cast<int>(*region))));
}

}  // namespace

absl::StatusOr<Table> SelectRegion(const Table& jets, std::string_view region_name) {
  absl::StatusOr<std::optional<std::pair<int, float>>> filter = RegionFilter(jets, region_name);
  if (!filter.ok()) return filter.status();
  if (!filter->has_value()) return jets;
  const auto [column, code] = **filter;
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < jets.num_rows(); ++r) {
    if (jets.at(r, column) == code) rows.push_back(r);
  }
  return jets.SelectRows(rows);
}

absl::StatusOr<int64_t> CountRegionRows(const Table& jets, std::string_view region_name) {
  absl::StatusOr<std::optional<std::pair<int, float>>> filter = RegionFilter(jets, region_name);
  if (!filter.ok()) return filter.status();
  if (!filter->has_value()) return jets.num_rows();
  const auto [column, code] = **filter;
  int64_t count = 0;
  for (int64_t r = 0; r < jets.num_rows(); ++r) count += jets.at(r, column) == code;
  return count;
}

std::map<std::string, int64_t> CountRowsPerRegion(const Table& jets) {
  std::map<std::string, int64_t> counts;
  absl::StatusOr<int> column = jets.ColumnIndex("region");
  if (!column.ok()) return counts;
  // Exact comparison, as SelectRegion does: a row counted under a region is
  // one that selecting the region returns.
  constexpr Region kRegions[] = {Region::kNone, Region::kControl, Region::kValidation,
                                 Region::kSignal};
  constexpr float kCodes = static_cast<float>(std::size(kRegions));
  int64_t per_code[std::size(kRegions)] = {};
  int64_t unknown = 0;
  for (int64_t r = 0; r < jets.num_rows(); ++r) {
    const float code = jets.at(r, *column);
    if (code >= 0 && code < kCodes && code == std::floor(code)) {
      ++per_code[static_cast<int>(code)];
    } else {
      ++unknown;
    }
  }
  for (Region region : kRegions) {
    const int64_t n = per_code[static_cast<int>(region)];
    if (n > 0) counts[std::string(RegionName(region))] = n;
  }
  if (unknown > 0) counts["unknown"] = unknown;
  return counts;
}

}  // namespace evgen
