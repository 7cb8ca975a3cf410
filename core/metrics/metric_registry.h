// metric_registry.h: metrics by name with string options, so the
// MetricsService and the CLI can ask for "separation-power" without knowing
// each metric's config struct.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "nlohmann/json.hpp"

namespace evgen {

struct MetricInfo {
  std::string name;
  std::string description;
  std::vector<std::string> options;
};

struct MetricOutcome {
  std::string name;
  double value = 0;
  double uncertainty = -1;  // negative: none
  nlohmann::json details = nlohmann::json::object();
  std::vector<std::string> warnings;
};

std::vector<MetricInfo> Metrics();

// ComputeMetric compares `candidate` with `reference`. InvalidArgument for an
// unknown metric or option (listing the allowed ones) or a bad option value.
[[nodiscard]] absl::StatusOr<MetricOutcome> ComputeMetric(
    const std::string& name, const std::map<std::string, std::string>& options,
    const Table& reference, const Table& candidate, uint64_t seed);

}  // namespace evgen
