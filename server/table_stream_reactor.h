// table_stream_reactor.h: TableStreamReactor, the one way evgend streams a
// large table (samples, dataset exports) to a client in bounded chunks.
//
// A Plan is made on the server's pool (loading models or datasets may take a
// while); then chunks are produced on the pool and written in order. Up to
// plan.parallel_chunks chunks are produced at once while the one before them
// is on its way to the client, so generation overlaps serialisation and
// sending and one stream can use every compute slot (with one BLAS thread per
// pass, two passes side by side on two cores beat one pass on both:
// docs/results.md, issue 15). Chunk k + parallel_chunks + 1 is started only
// once chunk k's write completed, so memory holds parallel_chunks + 1 chunks
// whatever the table's size and a slow client slows production instead of
// making the server buffer (backpressure through gRPC's flow control).
//
// Lifetime: after Finish, gRPC may call OnDone (which deletes the reactor)
// at any moment, so Finish is called only when no write is in flight and no
// pool task runs, and nothing touches the reactor after StartWrite or
// Finish. Every decision is taken under mu_ (Step), and the gRPC calls it
// decides are made after unlocking.
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
#include <mutex>
#include <vector>

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
  // How many chunks may be produced at once (at least 1); produce must then
  // be safe to call concurrently.
  int parallel_chunks = 1;
  // Produce returns rows [begin, end) of the table.
  std::function<absl::StatusOr<Table>(int64_t begin, int64_t end)> produce;
  // Fill puts the produced rows (starting at `begin`) into the message; an
  // error ends the stream with it.
  std::function<absl::Status(const Table& rows, int64_t begin, Message* message)> fill;
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
    std::unique_lock<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) Fail(absl::CancelledError("client went away"));
    Step(std::move(lock));
  }
  void OnCancel() override {
    std::unique_lock<std::mutex> lock(mu_);
    Fail(absl::CancelledError("stream cancelled"));
    // A write in flight or a pool task still running calls Step when it ends.
    Step(std::move(lock));
  }
  void OnDone() override {
    telemetry_.active.Decrement();
    delete this;
  }

 private:
  // A chunk being produced, waiting or being written.
  struct Slot {
    Message message;
    int64_t begin = 0, end = 0;
    bool ready = false;  // produced, waiting for its turn on the line
  };

  void Prepare() {
    StopScope scope(CallStopCheck(context_));
    absl::StatusOr<Plan> plan = Guarded([this]() -> absl::StatusOr<Plan> {
      EVGEN_RETURN_IF_ERROR(CheckStop());
      return planner_();
    });
    std::unique_lock<std::mutex> lock(mu_);
    --producing_;
    if (plan.ok()) {
      plan_ = *std::move(plan);
      plan_.parallel_chunks = std::max(1, plan_.parallel_chunks);
      slots_.resize(static_cast<size_t>(plan_.parallel_chunks) + 1);
    } else {
      Fail(plan.status());
    }
    Step(std::move(lock));
  }

  // Produce fills `slot` with its rows on the pool, then hands over to Step.
  void Produce(Slot* slot) {
    StopScope scope(CallStopCheck(context_));
    const absl::Status produced = Guarded([&]() -> absl::Status {
      EVGEN_RETURN_IF_ERROR(CheckStop());
      EVGEN_ASSIGN_OR_RETURN(Table rows, plan_.produce(slot->begin, slot->end));
      slot->message.Clear();
      return plan_.fill(rows, slot->begin, &slot->message);
    });
    std::unique_lock<std::mutex> lock(mu_);
    --producing_;
    if (produced.ok()) {
      slot->ready = true;
    } else {
      Fail(produced);
    }
    Step(std::move(lock));
  }

  void Fail(const absl::Status& status) {
    if (error_.ok()) error_ = status;
  }

  Slot& SlotOf(int64_t chunk) { return slots_[static_cast<size_t>(chunk) % slots_.size()]; }

  // Step decides what happens next from the state under `lock`: finish when
  // nothing is in flight, write the next chunk in order when it is ready and
  // the line is free, start producing further chunks while fewer than
  // parallel_chunks are in production and a slot is free. It unlocks before
  // calling gRPC or the pool, scheduling before writing (a write's
  // completion may end the call), and touches nothing after the last call.
  void Step(std::unique_lock<std::mutex> lock) {
    if (finished_) return;
    if (!error_.ok() || (chunks_sent_ == chunks_started_ && next_row_ >= plan_.total_rows)) {
      if (writing_ || producing_ > 0) return;  // the one in flight calls Step again
      finished_ = true;
      const grpc::Status status = error_.ok() ? grpc::Status::OK : ToGrpcStatus(error_);
      lock.unlock();
      return this->Finish(status);
    }
    Slot* write = nullptr;
    if (!writing_ && chunks_sent_ < chunks_started_ && SlotOf(chunks_sent_).ready) {
      write = &SlotOf(chunks_sent_++);
      write->ready = false;
      writing_ = true;
    }
    // Chunks from the one being written on hold their slots until its write
    // completes.
    const auto held = [this] { return chunks_started_ - chunks_sent_ + (writing_ ? 1 : 0); };
    std::vector<Slot*> produce;
    while (producing_ < plan_.parallel_chunks && next_row_ < plan_.total_rows &&
           held() < static_cast<int64_t>(slots_.size())) {
      Slot* slot = &SlotOf(chunks_started_++);
      slot->begin = next_row_;
      slot->end = std::min(plan_.total_rows, next_row_ + plan_.rows_per_chunk);
      next_row_ = slot->end;
      ++producing_;
      produce.push_back(slot);
    }
    lock.unlock();
    for (Slot* slot : produce) pool_->Schedule([this, slot] { Produce(slot); });
    if (write != nullptr) {
      telemetry_.bytes.Increment(static_cast<double>(write->message.ByteSizeLong()));
      this->StartWrite(&write->message);
    }
  }

  ThreadPool* pool_;
  std::shared_ptr<AdmissionGate::Ticket> ticket_;  // the call's place in the heavy gate
  grpc::CallbackServerContext* context_;
  Planner planner_;
  Plan plan_;
  StreamTelemetry telemetry_;

  std::mutex mu_;
  std::vector<Slot> slots_;        // parallel_chunks + 1, chunk k in slot k mod size
  int64_t chunks_started_ = 0;     // chunks handed to a Produce
  int64_t chunks_sent_ = 0;        // chunks whose write started
  int64_t next_row_ = 0;           // the first row not yet handed to a Produce
  bool writing_ = false;           // a StartWrite awaits its OnWriteDone
  int producing_ = 1;              // Prepare or Produce calls running on the pool
  bool finished_ = false;
  absl::Status error_;
};

// StartTableStream admits a streaming call through the server's heavy gate
// (`what` names it in a refusal) and starts it on `pool` (the heavy pool
// unless given).
template <typename Message>
grpc::ServerWriteReactor<Message>* StartTableStream(ServerState& state, grpc::CallbackServerContext* context,
                                                    const std::string& what,
                                                    typename TableStreamReactor<Message>::Planner planner,
                                                    ThreadPool* pool = nullptr) {
  absl::StatusOr<std::shared_ptr<AdmissionGate::Ticket>> ticket = state.heavy_gate.Enter(what);
  if (!ticket.ok()) return new FinishedWriteReactor<Message>(ToGrpcStatus(ticket.status()));
  return new TableStreamReactor<Message>(pool != nullptr ? pool : &state.heavy_pool, *std::move(ticket), context,
                                         what, std::move(planner));
}

// ChunkRows is how many rows of `columns` float32 columns fit a chunk of
// max_chunk_bytes once the message overhead is set aside.
inline int64_t ChunkRows(int columns, int64_t max_chunk_bytes) {
  return RowsPerChunk(columns, max_chunk_bytes - kChunkOverheadBytes);
}

}  // namespace evgen
