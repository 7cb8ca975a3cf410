#include "core/metrics/metric_registry.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/metrics/separation_power.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

constexpr int kMaxBootstrap = 1000;

absl::StatusOr<int> IntOption(const std::map<std::string, std::string>& options,
                              const std::string& key, int fallback, int lo, int hi) {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  int v = 0;
  if (!absl::SimpleAtoi(it->second, &v) || v < lo || v > hi) {
    return absl::InvalidArgumentError(absl::StrCat("metrics.options.", key, ": must be an integer in [",
                                                   lo, ", ", hi, "], got '", it->second, "'"));
  }
  return v;
}

std::vector<std::string> ListOption(const std::map<std::string, std::string>& options,
                                    const std::string& key, std::vector<std::string> fallback) {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  return absl::StrSplit(it->second, ',', absl::SkipEmpty());
}

Table Resample(const Table& table, uint64_t seed) {
  CounterRng rng(seed, 0);
  std::vector<int64_t> rows(table.num_rows());
  for (int64_t& r : rows) r = static_cast<int64_t>(rng.Uniform() * table.num_rows());
  return table.SelectRows(rows);
}

absl::StatusOr<MetricOutcome> SeparationPowerMetric(
    const std::map<std::string, std::string>& options, const Table& reference,
    const Table& candidate, uint64_t seed) {
  SeparationPowerConfig config;
  config.cell_columns = ListOption(options, "cell_columns", config.cell_columns);
  config.abs_columns = ListOption(options, "abs_columns", config.abs_columns);
  if (auto it = options.find("value_column"); it != options.end()) config.value_column = it->second;
  EVGEN_ASSIGN_OR_RETURN(config.value_bins, IntOption(options, "value_bins", config.value_bins, 2, 10000));
  EVGEN_ASSIGN_OR_RETURN(int bootstrap, IntOption(options, "bootstrap", 20, 0, kMaxBootstrap));
  EVGEN_ASSIGN_OR_RETURN(SeparationPowerResult result, SeparationPower(reference, candidate, config));

  MetricOutcome out;
  out.name = "separation-power";
  out.value = result.separation;
  for (const SeparationCell& cell : result.cells) {
    out.details["cells"].push_back({{"lower", cell.lower},
                                    {"upper", cell.upper},
                                    {"reference_count", cell.reference_count},
                                    {"candidate_count", cell.generated_count},
                                    {"separation", cell.separation}});
  }
  out.details["config"] = {{"cell_columns", config.cell_columns},
                           {"abs_columns", config.abs_columns},
                           {"value_column", config.value_column},
                           {"value_bins", config.value_bins},
                           {"bootstrap", bootstrap}};
  // The bootstrap spread of S over resampled tables is its statistical error.
  if (bootstrap > 1) {
    double sum = 0, sum2 = 0;
    for (int b = 0; b < bootstrap; ++b) {
      EVGEN_ASSIGN_OR_RETURN(SeparationPowerResult r,
                             SeparationPower(Resample(reference, DeriveSeed(seed, 2 * b)),
                                             Resample(candidate, DeriveSeed(seed, 2 * b + 1)), config));
      sum += r.separation;
      sum2 += r.separation * r.separation;
    }
    const double mean = sum / bootstrap;
    out.uncertainty = std::sqrt(std::max(0.0, sum2 / bootstrap - mean * mean));
  }
  const int64_t smallest = std::min(reference.num_rows(), candidate.num_rows());
  const int64_t per_bin = smallest / std::max<int64_t>(1, result.cells.size() * config.value_bins);
  if (per_bin < 10) {
    out.warnings.push_back(absl::StrCat("only ~", per_bin,
                                        " rows per (cell, bin): the binned estimate is biased "
                                        "upwards; use fewer value_bins or more rows"));
  }
  return out;
}

}  // namespace

std::vector<MetricInfo> Metrics() {
  return {{"separation-power",
           "eq. 3.1 of Lin, Bhimji, Nachman 2019 in 2^k equal-statistics cells (0 identical, 1 "
           "disjoint), with a bootstrap error",
           {"cell_columns", "abs_columns", "value_column", "value_bins", "bootstrap"}}};
}

absl::StatusOr<MetricOutcome> ComputeMetric(const std::string& name,
                                            const std::map<std::string, std::string>& options,
                                            const Table& reference, const Table& candidate,
                                            uint64_t seed) {
  for (const MetricInfo& info : Metrics()) {
    if (info.name != name) continue;
    for (const auto& [key, value] : options) {
      if (std::find(info.options.begin(), info.options.end(), key) == info.options.end()) {
        return absl::InvalidArgumentError(absl::StrCat("metrics.options: '", key, "' is not an option of ",
                                                       name, "; allowed: ",
                                                       absl::StrJoin(info.options, ", ")));
      }
    }
    return SeparationPowerMetric(options, reference, candidate, seed);
  }
  std::vector<std::string> names;
  for (const MetricInfo& info : Metrics()) names.push_back(info.name);
  return absl::InvalidArgumentError(absl::StrCat("metrics.name: unknown metric '", name,
                                                 "'; allowed: ", absl::StrJoin(names, ", ")));
}

}  // namespace evgen
