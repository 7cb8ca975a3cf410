// sample_batcher.h: dynamic batching, concurrent sample requests for one
// model merged into shared forward passes.
//
// A model that generates in fixed blocks (Model::sample_block_rows) runs one
// pass of B rows per block, even for a request of ten rows. Many analyses
// asking for small samples at once would each pay a whole pass; the batcher
// gives the partial blocks of concurrent requests one pass together when
// their rows sit at disjoint positions of it (Model::sample_block_phase
// spreads them by seed). Whole blocks run at once, as before: they already
// fill a pass. A row's value depends only on its inputs and its position in
// a pass of fixed size, so a batched request returns exactly the bytes it
// would alone (tests/unit/sample_batcher_test.cc).
//
// Queueing, as inference servers do it: the first waiting caller leads. It
// waits until the oldest queued share is max_delay old or the queue holds a
// pass's worth of rows, takes the oldest share and every further one that
// fits beside it, runs the pass and hands out the results; another waiting
// caller then leads. With max_delay 0 a request never waits for company but
// still shares with those that queued while the previous pass ran.
//
// Callers must be able to wait in the queue without holding the CPU, so
// they may be many more threads than cores; compute_slots bounds how many
// passes (shared or whole blocks, of all models) run at once.
//
// Example:
//   SampleBatchers batchers({.max_delay = std::chrono::microseconds(500)});
//   std::shared_ptr<SampleBatcher> b = batchers.For(model);  // one per model
//   EVGEN_ASSIGN_OR_RETURN(Table t, b->Sample(conditions, 100, seed, 0));
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/models/model.h"

namespace evgen {

struct BatchingConfig {
  bool enabled = true;
  // How long the oldest partial block may wait for others to share its pass.
  std::chrono::microseconds max_delay{0};
  // Passes that may run at once over all batchers of a SampleBatchers; 0:
  // no bound.
  int compute_slots = 0;
};

// ComputeSlots is a counting semaphore: at most `slots` holders at a time
// (no bound for 0).
class ComputeSlots {
 public:
  explicit ComputeSlots(int slots) : free_(slots), bounded_(slots > 0) {}
  void Acquire();
  void Release();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
  bool bounded_;
};

// BatchingCounts are totals since start, for the metrics: passes run for
// partial blocks and the shares they held (shares / passes is the mean
// batch; equal counts mean nothing was merged).
struct BatchingCounts {
  std::atomic<int64_t> passes{0};
  std::atomic<int64_t> shares{0};
};

class SampleBatcher {
 public:
  // `slots` may be null (no bound).
  SampleBatcher(std::shared_ptr<const Model> model, BatchingConfig config,
                std::shared_ptr<BatchingCounts> counts, std::shared_ptr<ComputeSlots> slots = nullptr);

  // Sample is model->Sample(conditions, rows, seed, first_row), byte for
  // byte, with its partial blocks sharing passes with concurrent calls.
  [[nodiscard]] absl::StatusOr<Table> Sample(const Table& conditions, int64_t rows, uint64_t seed,
                                             int64_t first_row);

 private:
  struct Pending;
  // Run queues the shares and returns once all have results.
  void Run(std::vector<Pending>& shares);
  // TakePass removes the oldest share and those that fit beside it.
  std::vector<Pending*> TakePass();
  void RunPass(const std::vector<Pending*>& pass);
  int64_t QueuedRows() const;
  // Whole runs model_->Sample holding a compute slot.
  absl::StatusOr<Table> Whole(const Table& conditions, int64_t rows, uint64_t seed, int64_t first_row);

  std::shared_ptr<const Model> model_;
  BatchingConfig config_;
  std::shared_ptr<BatchingCounts> counts_;
  std::shared_ptr<ComputeSlots> slots_;
  int64_t block_ = 1;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;  // oldest first
  bool leading_ = false;        // a caller is gathering or running a pass
};

// SampleBatchers keeps one batcher per loaded model while requests use it.
class SampleBatchers {
 public:
  // Registers the pass counters, so that they show at 0 before any pass.
  explicit SampleBatchers(BatchingConfig config);
  std::shared_ptr<SampleBatcher> For(const std::shared_ptr<const Model>& model);
  const BatchingCounts& counts() const { return *counts_; }

 private:
  BatchingConfig config_;
  std::shared_ptr<BatchingCounts> counts_ = std::make_shared<BatchingCounts>();
  std::shared_ptr<ComputeSlots> slots_;
  std::mutex mu_;
  std::map<const Model*, std::weak_ptr<SampleBatcher>> batchers_;
};

}  // namespace evgen
