#include "core/metrics/metric_options.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace evgen {

absl::StatusOr<int> IntOption(const MetricOptions& options, const std::string& key, int fallback, int lo,
                              int hi) {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  int v = 0;
  if (!absl::SimpleAtoi(it->second, &v) || v < lo || v > hi) {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.", key, ": must be an integer in [", lo,
                                                   ", ", hi, "], got '", it->second, "'"));
  }
  return v;
}

absl::StatusOr<double> DoubleOption(const MetricOptions& options, const std::string& key, double fallback,
                                    double lo, double hi) {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  double v = 0;
  if (!absl::SimpleAtod(it->second, &v) || !(v >= lo && v <= hi)) {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.", key, ": must be a number in [", lo,
                                                   ", ", hi, "], got '", it->second, "'"));
  }
  return v;
}

std::vector<std::string> ListOption(const MetricOptions& options, const std::string& key,
                                    std::vector<std::string> fallback) {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  return absl::StrSplit(it->second, ',', absl::SkipEmpty());
}

absl::StatusOr<std::vector<std::string>> SharedColumns(const MetricOptions& options, const Table& reference,
                                                       const Table& candidate) {
  std::vector<std::string> columns = ListOption(options, "columns", {});
  if (!columns.empty()) {
    for (const std::string& c : columns) {
      if (!reference.HasColumn(c) || !candidate.HasColumn(c)) {
        return absl::InvalidArgumentError(absl::StrCat("metrics.options.columns: '", c,
                                                       "' is not in both tables; reference has [",
                                                       absl::StrJoin(reference.columns(), ", "),
                                                       "], candidate has [",
                                                       absl::StrJoin(candidate.columns(), ", "), "]"));
      }
    }
    return columns;
  }
  for (const std::string& c : reference.columns()) {
    if (candidate.HasColumn(c)) columns.push_back(c);
  }
  if (columns.empty()) {
    return absl::InvalidArgumentError("metrics: the reference and candidate tables share no column");
  }
  return columns;
}

}  // namespace evgen
