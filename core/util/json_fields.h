// json_fields.h: the checks shared by the JSON readers of model specs
// (MlpSpec, NoiseSpec): a key's dotted name for messages, and refusing
// unknown keys so that a typo never passes silently.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace evgen {

// JsonKeyName is "<field>.<key>", or "<key>" for an empty field.
inline std::string JsonKeyName(const std::string& field, const std::string& key) {
  return field.empty() ? key : absl::StrCat(field, ".", key);
}

// CheckJsonKeys: InvalidArgument naming the first key of `j` not in `allowed`.
inline absl::Status CheckJsonKeys(const nlohmann::json& j, const std::string& field,
                                  const std::vector<std::string>& allowed) {
  for (const auto& item : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown key '", JsonKeyName(field, item.key()),
                                                     "'; allowed keys are [",
                                                     absl::StrJoin(allowed, ", "), "]"));
    }
  }
  return absl::OkStatus();
}

}  // namespace evgen
