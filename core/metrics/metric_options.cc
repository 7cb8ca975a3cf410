#include "core/metrics/metric_options.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"
#include "nlohmann/json.hpp"

namespace evgen {

namespace {

// ReadOption reads one option with the typed config reader (text values), so
// metric options are refused in the same words as every config.
template <typename T, typename Read>
absl::StatusOr<T> ReadOption(const MetricOptions& options, const std::string& key, T fallback,
                             const Read& read) {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  nlohmann::json j = nlohmann::json::object();
  j[key] = it->second;
  ConfigReader reader(j, "metrics.options", ConfigReader::Values::kText);
  T value = fallback;
  read(reader, value);
  EVGEN_RETURN_IF_ERROR(reader.Finish());
  return value;
}

}  // namespace

absl::StatusOr<int> IntOption(const MetricOptions& options, const std::string& key, int fallback, int lo,
                              int hi) {
  return ReadOption<int>(options, key, fallback,
                         [&](ConfigReader& r, int& v) { r.Integer(key.c_str(), v, lo, hi); });
}

absl::StatusOr<double> DoubleOption(const MetricOptions& options, const std::string& key, double fallback,
                                    double lo, double hi) {
  return ReadOption<double>(options, key, fallback, [&](ConfigReader& r, double& v) {
    r.Number(key.c_str(), v, Interval::Closed(lo, hi));
  });
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
