#include "core/store/names.h"

#include "absl/strings/str_cat.h"

namespace evgen {

std::string EchoValue(const std::string& value) {
  // A value is echoed so the user sees what was refused; a huge one would
  // swell the error past gRPC's header limit and hide the message itself.
  constexpr size_t kShown = 64;
  if (value.size() <= kShown) return value;
  return absl::StrCat(value.substr(0, kShown), "... (", value.size(), " characters)");
}

absl::Status ValidateName(const std::string& field, const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name[0] != '.';
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": '", EchoValue(name), "' must be 1-64 characters of [A-Za-z0-9_.-], not starting with '.'"));
  }
  return absl::OkStatus();
}

}  // namespace evgen
