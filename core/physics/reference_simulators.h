// reference_simulators.h: the built-in reference simulators by name, so the
// DatasetService can offer "generate-reference" without knowing each one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

struct ReferenceSimulatorInfo {
  std::string name;
  std::string description;
  std::vector<std::string> options;  // numeric options it accepts
};

std::vector<ReferenceSimulatorInfo> ReferenceSimulators();

// GenerateReference runs simulator `name` for `n_events` events. InvalidArgument
// for an unknown name or option (the message lists the allowed ones) and for
// out-of-range values.
[[nodiscard]] absl::StatusOr<Table> GenerateReference(const std::string& name, int64_t n_events,
                                                      uint64_t seed,
                                                      const std::map<std::string, double>& options);

}  // namespace evgen
