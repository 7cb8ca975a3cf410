// access_control.h: who may call what. `--auth-tokens FILE` maps bearer
// tokens to a caller's name and role; every evgen call needs a role:
//   reader   list, describe, export, sample, metrics, watch jobs
//   trainer  also upload, generate, derive, train, cancel and resume jobs
//   admin    also delete datasets and models
// The token travels in the `authorization` metadata as "Bearer TOKEN". A
// missing or unknown token is UNAUTHENTICATED, too low a role
// PERMISSION_DENIED; health checks and reflection stay open. Tokens are
// compared in time that does not depend on where they differ, and never
// appear in a message or a log line.
//
// The file holds one token per line, `ROLE NAME TOKEN` (NAME identifies the
// caller in the audit log), `#` starts a comment line. Tokens must have at
// least 16 characters and be unique.
//
// Without a tokens file every caller is "anonymous" with the admin role, as
// before (loopback use, tests).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace evgen {

enum class Role { kReader = 1, kTrainer = 2, kAdmin = 3 };
std::string RoleName(Role role);

struct Caller {
  std::string name;
  Role role = Role::kReader;
};

class AccessControl {
 public:
  // Open lets every caller in as anonymous admin.
  AccessControl() = default;
  // FromFile reads a tokens file; InvalidArgument naming the file and line
  // (never the token) for a malformed one, NotFound for a missing file.
  [[nodiscard]] static absl::StatusOr<AccessControl> FromFile(const std::string& path);

  bool enabled() const { return !entries_.empty(); }
  // Check returns the caller presenting `authorization` (the metadata's
  // value, "" when absent) if its role reaches `needed`.
  [[nodiscard]] absl::StatusOr<Caller> Check(absl::string_view authorization, Role needed) const;

 private:
  struct Entry {
    std::string token;
    Caller caller;
  };
  std::vector<Entry> entries_;
};

}  // namespace evgen
