#include "core/store/names.h"

#include "absl/strings/str_cat.h"

namespace evgen {

absl::Status ValidateName(const std::string& field, const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name[0] != '.';
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": '", name, "' must be 1-64 characters of [A-Za-z0-9_.-], not starting with '.'"));
  }
  return absl::OkStatus();
}

}  // namespace evgen
