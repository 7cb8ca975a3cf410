#include "server/access_control.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace evgen {
namespace {

constexpr size_t kMinTokenLength = 16;
constexpr absl::string_view kBearer = "Bearer ";

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  if (name == "reader") return Role::kReader;
  if (name == "trainer") return Role::kTrainer;
  if (name == "admin") return Role::kAdmin;
  return absl::InvalidArgumentError(absl::StrCat("role '", name, "' is not one of reader, trainer, admin"));
}

// SameToken compares in time that depends only on the lengths, so a caller
// cannot find a token byte by byte from response times.
bool SameToken(absl::string_view given, absl::string_view known) {
  unsigned char diff = given.size() == known.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ known[i % known.size()]);
  }
  return diff == 0;
}

}  // namespace

std::string RoleName(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kTrainer:
      return "trainer";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

absl::StatusOr<AccessControl> AccessControl::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("--auth-tokens: cannot read '", path, "'"));
  AccessControl access;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    const std::vector<absl::string_view> fields = absl::StrSplit(text, ' ', absl::SkipWhitespace());
    const std::string where = absl::StrCat("--auth-tokens: ", path, " line ", number, ": ");
    if (fields.size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat(where, "want ROLE NAME TOKEN, got ", fields.size(), " fields"));
    }
    absl::StatusOr<Role> role = ParseRole(fields[0]);
    if (!role.ok()) return absl::InvalidArgumentError(absl::StrCat(where, role.status().message()));
    if (fields[2].size() < kMinTokenLength) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "the token of '", fields[1], "' is shorter than ", kMinTokenLength, " characters"));
    }
    for (const Entry& e : access.entries_) {
      if (e.token == fields[2]) {
        return absl::InvalidArgumentError(absl::StrCat(where, "the token of '", fields[1],
                                                       "' is also the token of '", e.caller.name, "'"));
      }
    }
    access.entries_.push_back({std::string(fields[2]), Caller{std::string(fields[1]), *role}});
  }
  if (access.entries_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--auth-tokens: ", path, " holds no token"));
  }
  return access;
}

absl::StatusOr<Caller> AccessControl::Check(absl::string_view authorization, Role needed) const {
  if (!enabled()) return Caller{"anonymous", Role::kAdmin};
  if (!absl::StartsWith(authorization, kBearer)) {
    return absl::UnauthenticatedError(
        "this server needs a bearer token: pass --token or set EVGEN_TOKEN (metadata 'authorization: Bearer TOKEN')");
  }
  const absl::string_view token = authorization.substr(kBearer.size());
  const Entry* found = nullptr;
  for (const Entry& e : entries_) {  // every entry, so the time does not say which matched
    if (SameToken(token, e.token)) found = &e;
  }
  if (found == nullptr) return absl::UnauthenticatedError("the bearer token is not known to this server");
  if (found->caller.role < needed) {
    return absl::PermissionDeniedError(absl::StrCat("caller '", found->caller.name, "' has the role ",
                                                    RoleName(found->caller.role), "; this call needs ",
                                                    RoleName(needed)));
  }
  return found->caller;
}

}  // namespace evgen
