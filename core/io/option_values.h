// option_values.h: reading the string values of reader and writer options
// (the key -> value maps that uploads and the CLI pass, e.g. pdg_ids="6,-6"),
// shared by ParseParticleSelection and ParseEventWriteSpec so that both word
// their errors alike: "option <key>: '<value>' is not ...".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace evgen::options {

// ParseIntList reads "6,-6" (blank parts skipped; "" is the empty list).
[[nodiscard]] absl::StatusOr<std::vector<int>> ParseIntList(const std::string& key,
                                                            const std::string& value);
// ParseDoubleList reads "6500,6500", in C or Fortran spelling (text::ParseNumber).
[[nodiscard]] absl::StatusOr<std::vector<double>> ParseDoubleList(const std::string& key,
                                                                  const std::string& value);
// ParseBool reads true/false, 1/0 or yes/no, in any case.
[[nodiscard]] absl::StatusOr<bool> ParseBool(const std::string& key, const std::string& value);
// ParseCount reads a non-negative integer.
[[nodiscard]] absl::StatusOr<int64_t> ParseCount(const std::string& key, const std::string& value);
// UnknownKey is the InvalidArgument for a key not in `known`, listing them.
[[nodiscard]] absl::Status UnknownKey(const std::string& key, const std::vector<std::string>& known);

}  // namespace evgen::options
