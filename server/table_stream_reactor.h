// table_stream_reactor.h: TableStreamReactor, the one way evgend streams a
// large table (samples, dataset exports) to a client in bounded chunks.
//
// A Plan is made on the server's pool (loading models or datasets may take a
// while); then one chunk at a time is produced on the pool and written, and
// the next is produced only after that write completed, so memory holds one
// chunk whatever the table's size. Each pool task ends with StartWrite or
// Finish and touches nothing after it: from then on gRPC may call OnDone.
//
// Streams are heavy calls: StartTableStream admits them through the server's
// gate, they run on the heavy pool, each pool task runs under the call's
// StopScope (a cancel or an expired deadline ends the work at the next
// check), and an exception in planning or producing fails the call, never the
// server.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/util/admission_gate.h"
#include "core/util/stop_check.h"
#include "core/util/thread_pool.h"
#include "grpcpp/grpcpp.h"
#include "server/reactors.h"
#include "server/server_state.h"
#include "server/server_telemetry.h"
#include "wire/table_codec.h"

namespace evgen {

// Room left in each message for column names and field tags, so a chunk whose
// values fill max_chunk_bytes still serialises under that bound.
constexpr int64_t kChunkOverheadBytes = 4096;

// TableStreamPlan says how to produce a stream of Message chunks.
template <typename Message>
struct TableStreamPlan {
  int64_t total_rows = 0;
  int64_t rows_per_chunk = 1;
  // Produce returns rows [begin, end) of the table.
  std::function<absl::StatusOr<Table>(int64_t begin, int64_t end)> produce;
  // Fill puts the produced rows (starting at `begin`) into the message.
  std::function<void(const Table& rows, int64_t begin, Message* message)> fill;
};

template <typename Message>
class TableStreamReactor final : public grpc::ServerWriteReactor<Message> {
 public:
  using Plan = TableStreamPlan<Message>;
  using Planner = std::function<absl::StatusOr<Plan>()>;

  TableStreamReactor(ThreadPool* pool, std::shared_ptr<AdmissionGate::Ticket> ticket,
                     grpc::CallbackServerContext* context, const std::string& method, Planner planner)
      : pool_(pool), ticket_(std::move(ticket)), context_(context), planner_(std::move(planner)),
        telemetry_(StreamTelemetry::For(method)) {
    telemetry_.active.Increment();
    pool_->Schedule([this] { Prepare(); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    if (next_row_ >= plan_.total_rows) return this->Finish(grpc::Status::OK);
    pool_->Schedule([this] { ProduceNext(); });
  }
  void OnCancel() override { cancelled_ = true; }
  void OnDone() override {
    telemetry_.active.Decrement();
    delete this;
  }

 private:
  void Prepare() {
    StopScope scope(CallStopCheck(context_));
    absl::StatusOr<Plan> plan = Guarded([this]() -> absl::StatusOr<Plan> {
      EVGEN_RETURN_IF_ERROR(CheckStop());
      return planner_();
    });
    if (!plan.ok()) return this->Finish(ToGrpcStatus(plan.status()));
    plan_ = *std::move(plan);
    if (plan_.total_rows == 0) return this->Finish(grpc::Status::OK);
    ProduceNext();
  }

  void ProduceNext() {
    if (cancelled_) return this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
    StopScope scope(CallStopCheck(context_));
    const int64_t end = std::min(plan_.total_rows, next_row_ + plan_.rows_per_chunk);
    const absl::Status produced = Guarded([&]() -> absl::Status {
      EVGEN_RETURN_IF_ERROR(CheckStop());
      EVGEN_ASSIGN_OR_RETURN(Table rows, plan_.produce(next_row_, end));
      message_.Clear();
      plan_.fill(rows, next_row_, &message_);
      return absl::OkStatus();
    });
    if (!produced.ok()) return this->Finish(ToGrpcStatus(produced));
    next_row_ = end;
    telemetry_.bytes.Increment(static_cast<double>(message_.ByteSizeLong()));
    this->StartWrite(&message_);
  }

  ThreadPool* pool_;
  std::shared_ptr<AdmissionGate::Ticket> ticket_;  // the call's place in the heavy gate
  grpc::CallbackServerContext* context_;
  Planner planner_;
  Plan plan_;
  int64_t next_row_ = 0;
  Message message_;
  std::atomic<bool> cancelled_{false};
  StreamTelemetry telemetry_;
};

// StartTableStream admits a streaming call through the server's heavy gate
// (`what` names it in a refusal) and starts it on the heavy pool.
template <typename Message>
grpc::ServerWriteReactor<Message>* StartTableStream(ServerState& state, grpc::CallbackServerContext* context,
                                                    const std::string& what,
                                                    typename TableStreamReactor<Message>::Planner planner) {
  absl::StatusOr<std::shared_ptr<AdmissionGate::Ticket>> ticket = state.heavy_gate.Enter(what);
  if (!ticket.ok()) return new FinishedWriteReactor<Message>(ToGrpcStatus(ticket.status()));
  return new TableStreamReactor<Message>(&state.heavy_pool, *std::move(ticket), context, what,
                                         std::move(planner));
}

// ChunkRows is how many rows of `columns` float32 columns fit a chunk of
// max_chunk_bytes once the message overhead is set aside.
inline int64_t ChunkRows(int columns, int64_t max_chunk_bytes) {
  return RowsPerChunk(columns, max_chunk_bytes - kChunkOverheadBytes);
}

}  // namespace evgen
