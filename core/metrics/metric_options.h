// metric_options.h: reading a metric's string options ({"value_bins": "25"})
// with ranges and defaults, and choosing the columns two tables share.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

using MetricOptions = std::map<std::string, std::string>;

// IntOption returns options[key] parsed as an integer in [lo, hi], or
// `fallback` when absent; InvalidArgument names metrics.options.<key>.
[[nodiscard]] absl::StatusOr<int> IntOption(const MetricOptions& options, const std::string& key,
                                            int fallback, int lo, int hi);
[[nodiscard]] absl::StatusOr<double> DoubleOption(const MetricOptions& options, const std::string& key,
                                                  double fallback, double lo, double hi);
// ListOption splits options[key] at commas, or returns `fallback`.
std::vector<std::string> ListOption(const MetricOptions& options, const std::string& key,
                                    std::vector<std::string> fallback);

// SharedColumns returns options["columns"] if given (each must be in both
// tables), else the reference's columns that the candidate also has.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> SharedColumns(const MetricOptions& options,
                                                                     const Table& reference,
                                                                     const Table& candidate);

}  // namespace evgen
