#include "core/io/column_names.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"

namespace evgen {

absl::Status CheckColumnNames(const std::vector<std::string>& names, absl::string_view where) {
  std::set<std::string> seen;
  for (size_t c = 0; c < names.size(); ++c) {
    const std::string& name = names[c];
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, "[", c, "]: empty column name"));
    }
    const bool control = std::any_of(name.begin(), name.end(),
                                     [](char ch) { return static_cast<unsigned char>(ch) < 0x20; });
    if (control) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "[", c, "]: column name holds a control character"));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "[", c, "]: column '", name, "' appears twice; column names must be unique"));
    }
  }
  return absl::OkStatus();
}

}  // namespace evgen
