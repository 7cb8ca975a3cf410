// reactors.h: small helpers for gRPC's callback API.
//
// RunOnPool runs a unary handler's blocking body on the server's ThreadPool
// and finishes the call with the returned status, so gRPC's callback threads
// never block. The Finished*Reactor classes end a streaming call at once with
// a status (used for validation failures and not-yet-implemented methods).
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "core/util/thread_pool.h"
#include "grpcpp/grpcpp.h"
#include "wire/table_codec.h"

namespace evgen {

inline grpc::ServerUnaryReactor* RunOnPool(ThreadPool& pool, grpc::CallbackServerContext* context,
                                           std::function<absl::Status()> body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  pool.Schedule([reactor, body = std::move(body)] {
    absl::Status status;
    try {
      status = body();
    } catch (const std::exception& e) {
      // Last line of defence: a bug must fail the call, not the server.
      status = absl::InternalError(e.what());
    }
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
