#include "server/authorize.h"

#include <chrono>
#include <cstdio>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

std::string Metadata(const grpc::CallbackServerContext& context, const std::string& key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(key);
  return it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
}

void Audit(const std::string& call, const Caller& caller, const std::string& peer) {
  static std::mutex mu;
  const nlohmann::json line = {{"audit", call},
                               {"time", absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone())},
                               {"caller", caller.name},
                               {"role", RoleName(caller.role)},
                               {"peer", peer}};
  std::lock_guard<std::mutex> lock(mu);
  std::fprintf(stderr, "%s\n", line.dump().c_str());
  std::fflush(stderr);
}

}  // namespace

absl::Status Authorize(const ServerState& state, const grpc::CallbackServerContext& context, Role needed,
                       const std::string& call) {
  if (state.draining.load()) {
    return absl::UnavailableError("evgend is shutting down and takes no new calls; retry (another replica)");
  }
  absl::StatusOr<Caller> caller = state.access.Check(Metadata(context, "authorization"), needed);
  if (!caller.ok()) return caller.status();
  if (needed != Role::kReader) Audit(call, *caller, context.peer());
  return absl::OkStatus();
}

}  // namespace evgen
