// names.h: validation of user-chosen names (datasets, models) that become
// directory names under the data directory.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace evgen {

// ValidateName accepts 1-64 characters of [A-Za-z0-9_.-] not starting with
// '.', so a name can never escape its directory or hide as a dotfile.
[[nodiscard]] absl::Status ValidateName(const std::string& field, const std::string& name);

// EchoValue is `value` as an error message may quote it: at most 64
// characters, with the full length said when cut.
std::string EchoValue(const std::string& value);

}  // namespace evgen
