// selection_flags.h: the CLI's flags for derived columns, row selections and
// per-metric options, shared by `datasets derive`, `metrics compare` and
// `report`.
//
//   --column 'NAME = EXPR'    a derived column (repeatable; docs/expressions.md)
//   --where 'EXPR'            a row selection
// On metrics compare and report, --column and --where apply to both tables,
// --reference-column / --reference-where and --candidate-column /
// --candidate-where to one. Metric options (-O KEY=VALUE) apply to every
// metric named, -O METRIC.KEY=VALUE to that metric alone (e.g.
// -O mass-peak.column=m_mumu beside -m ks).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "evgen/v1/common.pb.h"
#include "evgen/v1/metrics_service.pb.h"

namespace evgen::cli {

// ParseColumnDefinition splits "NAME = EXPR" at its first '=' (a name never
// holds one). InvalidArgument names `flag` and shows the expected form.
[[nodiscard]] absl::StatusOr<v1::DerivedColumn> ParseColumnDefinition(const std::string& text,
                                                                     const std::string& flag);

// SelectionFlags holds the derived-column and where flags of a two-table
// command.
struct SelectionFlags {
  std::vector<std::string> columns, reference_columns, candidate_columns;
  std::string where, reference_where, candidate_where;

  // Add registers the six flags on `command`.
  void Add(CLI::App* command);
  // Apply sets `side`'s ("reference" or "candidate") derived columns and
  // where on `source`. InvalidArgument when the side is a file (selections
  // apply to stored datasets; upload it first), for --where given together
  // with the side's own, or for a malformed --column.
  [[nodiscard]] absl::Status Apply(const std::string& side, v1::TableSource* source) const;
  // Describe is what a report calls the side's selection, "" when none:
  // " [m_mumu = M; where Q1*Q2 < 0]".
  std::string Describe(const std::string& side) const;
};

// MetricSpecs builds one MetricSpec per name with the -O options that apply
// to it (KEY=VALUE for all, METRIC.KEY=VALUE for METRIC). InvalidArgument for
// an item without '=' or a METRIC. prefix naming no requested metric.
[[nodiscard]] absl::StatusOr<std::vector<v1::MetricSpec>> MetricSpecs(const std::vector<std::string>& names,
                                                                     const std::vector<std::string>& options);

}  // namespace evgen::cli
