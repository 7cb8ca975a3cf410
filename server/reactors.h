// reactors.h: small helpers for gRPC's callback API.
//
// RunOnPool runs a unary handler's blocking body on one of the server's
// pools and finishes the call with the returned status, so gRPC's callback
// threads never block. RunHeavy does the same for heavy calls: admission
// through the server's gate (ResourceExhausted when full), the heavy pool,
// and a StopScope so the work ends soon after the client cancels or the
// deadline passes. The Finished*Reactor classes end a streaming call at once
// with a status (used for validation failures and not-yet-implemented
// methods).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/util/stop_check.h"
#include "core/util/thread_pool.h"
#include "grpcpp/grpcpp.h"
#include "server/server_state.h"
#include "wire/table_codec.h"

namespace evgen {

// Guarded runs `body`, turning an escaped exception into an Internal status:
// a bug or an allocation failure must fail its call, never the server.
template <typename Body>
auto Guarded(Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("the server ran out of memory for this call; ask for fewer rows");
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("internal error: ", e.what()));
  } catch (...) {
    return absl::InternalError("internal error: unknown exception");
  }
}

// CallStopCheck is the StopScope check of one call: its deadline and the
// client's cancel, each with its own code.
inline std::function<absl::Status()> CallStopCheck(grpc::CallbackServerContext* context) {
  const auto deadline = context->deadline();
  return [context, deadline]() -> absl::Status {
    if (std::chrono::system_clock::now() > deadline) {
      return absl::DeadlineExceededError("the call's deadline passed; the server stopped its work");
    }
    if (context->IsCancelled()) {
      return absl::CancelledError("the client cancelled the call; the server stopped its work");
    }
    return absl::OkStatus();
  };
}

inline grpc::ServerUnaryReactor* RunOnPool(ThreadPool& pool, grpc::CallbackServerContext* context,
                                           std::function<absl::Status()> body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  pool.Schedule([reactor, body = std::move(body)] {
    const absl::Status status = Guarded([&] { return body(); });
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

inline grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                           const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// RunHeavy admits a heavy call (`what` names it in a refusal) and runs it on
// the heavy pool under the call's StopScope.
inline grpc::ServerUnaryReactor* RunHeavy(ServerState& state, grpc::CallbackServerContext* context,
                                          const std::string& what, std::function<absl::Status()> body) {
  absl::StatusOr<std::shared_ptr<AdmissionGate::Ticket>> ticket = state.heavy_gate.Enter(what);
  if (!ticket.ok()) return FinishNow(context, ticket.status());
  return RunOnPool(state.heavy_pool, context,
                   [context, ticket = *std::move(ticket), body = std::move(body)]() -> absl::Status {
                     StopScope scope(CallStopCheck(context));
                     // It may have waited in the queue past its deadline.
                     EVGEN_RETURN_IF_ERROR(CheckStop());
                     return body();
                   });
}

template <typename Request>
class FinishedReadReactor final : public grpc::ServerReadReactor<Request> {
 public:
  explicit FinishedReadReactor(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

template <typename Response>
class FinishedWriteReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit FinishedWriteReactor(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace evgen
