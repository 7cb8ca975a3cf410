// authorize.h: the first line of every evgen handler. It refuses every call
// while the server drains (UNAVAILABLE, which clients may retry elsewhere),
// then checks the caller's token against the role the call needs
// (access_control.h) and, for calls that change something (trainer and admin calls), writes an audit line:
// one JSON object per line on stderr with the time, the call, the caller's
// name and role and its address. Example:
//   if (auto* denied = DenyUnary(*state_, context, Role::kAdmin, "DeleteModel")) return denied;
#pragma once

#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "server/access_control.h"
#include "server/reactors.h"
#include "server/server_state.h"

namespace evgen {

// Authorize is OK when the caller may make `call`; it writes the audit line.
[[nodiscard]] absl::Status Authorize(const ServerState& state, const grpc::CallbackServerContext& context,
                                     Role needed, const std::string& call);

// DenyUnary returns a finished reactor carrying the refusal, or nullptr.
inline grpc::ServerUnaryReactor* DenyUnary(const ServerState& state, grpc::CallbackServerContext* context,
                                           Role needed, const std::string& call) {
  const absl::Status allowed = Authorize(state, *context, needed, call);
  return allowed.ok() ? nullptr : FinishNow(context, allowed);
}

template <typename Message>
grpc::ServerWriteReactor<Message>* DenyWrite(const ServerState& state, grpc::CallbackServerContext* context,
                                             Role needed, const std::string& call) {
  const absl::Status allowed = Authorize(state, *context, needed, call);
  return allowed.ok() ? nullptr : new FinishedWriteReactor<Message>(ToGrpcStatus(allowed));
}

template <typename Request>
grpc::ServerReadReactor<Request>* DenyRead(const ServerState& state, grpc::CallbackServerContext* context,
                                           Role needed, const std::string& call) {
  const absl::Status allowed = Authorize(state, *context, needed, call);
  return allowed.ok() ? nullptr : new FinishedReadReactor<Request>(ToGrpcStatus(allowed));
}

}  // namespace evgen
