// simulator_options.h: numeric options of the reference simulators
// ({"sqrt_s_gev": 7000}), read with defaults and range checks.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace evgen {

using SimulatorOptions = std::map<std::string, double>;

// OptionInRange returns options[key] (or `fallback`) if it lies in [lo, hi],
// else InvalidArgument naming the option and the range.
[[nodiscard]] inline absl::StatusOr<double> OptionInRange(const SimulatorOptions& options, const std::string& key,
                                            double fallback, double lo, double hi) {
  auto it = options.find(key);
  const double value = it == options.end() ? fallback : it->second;
  if (!(value >= lo && value <= hi)) {
    return absl::InvalidArgumentError(
        absl::StrCat("options.", key, ": must be in [", lo, ", ", hi, "], got ", value));
  }
  return value;
}

}  // namespace evgen
