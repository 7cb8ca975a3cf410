#include "core/sampling/sample_batcher.h"

#include <algorithm>
#include <exception>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/telemetry/metrics.h"

namespace evgen {
namespace {

// PassCounters are the process's series of batched passes, looked up once.
struct PassCounters {
  telemetry::Counter& passes;
  telemetry::Counter& shares;
};
const PassCounters& ProcessPassCounters() {
  static const PassCounters counters{
      telemetry::DefaultRegistry()
          .AddCounter("evgen_sample_batch_passes_total",
                      "Forward passes run for partial sample blocks (dynamic batching).")
          .Add({}),
      telemetry::DefaultRegistry()
          .AddCounter("evgen_sample_batch_shares_total",
                      "Partial sample blocks those passes held; shares / passes is the mean batch.")
          .Add({})};
  return counters;
}

}  // namespace

// Pending is one queued share: part of one block of one request.
struct SampleBatcher::Pending {
  Table conditions;  // the share's rows only
  Model::SampleShare share;
  int64_t position = 0;  // first pass position; the share may wrap around
  std::chrono::steady_clock::time_point queued;
  absl::StatusOr<Table> result = absl::UnknownError("not sampled");
  bool done = false;
};

void ComputeSlots::Acquire() {
  if (!bounded_) return;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return free_ > 0; });
  --free_;
}

void ComputeSlots::Release() {
  if (!bounded_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++free_;
  }
  cv_.notify_one();
}

SampleBatcher::SampleBatcher(std::shared_ptr<const Model> model, BatchingConfig config,
                             std::shared_ptr<BatchingCounts> counts, std::shared_ptr<ComputeSlots> slots)
    : model_(std::move(model)), config_(config), counts_(std::move(counts)),
      slots_(slots ? std::move(slots) : std::make_shared<ComputeSlots>(0)),
      block_(std::max<int64_t>(1, model_->sample_block_rows())) {}

absl::StatusOr<Table> SampleBatcher::Whole(const Table& conditions, int64_t rows, uint64_t seed,
                                           int64_t first_row) {
  slots_->Acquire();
  absl::StatusOr<Table> out = absl::InternalError("sampling failed");
  try {
    out = model_->Sample(conditions, rows, seed, first_row);
  } catch (const std::exception& e) {
    out = absl::InternalError(absl::StrCat("sampling failed: ", e.what()));
  }
  slots_->Release();
  return out;
}

absl::StatusOr<Table> SampleBatcher::Sample(const Table& conditions, int64_t rows, uint64_t seed,
                                            int64_t first_row) {
  if (!config_.enabled || block_ <= 1 || rows <= 0 || first_row < 0) {
    return Whole(conditions, rows, seed, first_row);
  }
  EVGEN_RETURN_IF_ERROR(CheckSampleArguments(*model_, conditions, rows, first_row));
  // Rows [first_row, end) in order: a partial head block, a run of whole
  // blocks and a partial tail block (any of them may be missing). Only the
  // partial ones queue; whole blocks fill a pass on their own.
  struct Piece {
    int64_t begin, end;
    bool partial;
  };
  const int64_t end = first_row + rows;
  std::vector<Piece> pieces;
  for (int64_t block = first_row / block_ * block_; block < end; block += block_) {
    const Piece piece{std::max(block, first_row), std::min(block + block_, end),
                      first_row > block || end < block + block_};
    if (!piece.partial && !pieces.empty() && !pieces.back().partial) {
      pieces.back().end = piece.end;
    } else {
      pieces.push_back(piece);
    }
  }
  // Conditions of absolute rows [a, b); an unconditional model reads none.
  auto conditions_of = [&](int64_t a, int64_t b) {
    return conditions.num_columns() == 0 ? Table() : conditions.SliceRows(a - first_row, b - first_row);
  };
  const uint64_t phase = static_cast<uint64_t>(model_->sample_block_phase(seed));
  std::vector<Pending> partial;
  partial.reserve(2);
  for (const Piece& piece : pieces) {
    if (!piece.partial) continue;
    Pending p;
    p.conditions = conditions_of(piece.begin, piece.end);
    p.share = {nullptr, piece.end - piece.begin, seed, piece.begin};
    p.position = static_cast<int64_t>((static_cast<uint64_t>(piece.begin % block_) + phase) % block_);
    partial.push_back(std::move(p));
  }
  for (Pending& p : partial) p.share.conditions = &p.conditions;
  if (!partial.empty()) Run(partial);

  Table out;
  size_t next_partial = 0;
  for (size_t k = 0; k < pieces.size(); ++k) {
    absl::StatusOr<Table> part =
        pieces[k].partial ? std::move(partial[next_partial++].result)
                          : Whole(conditions_of(pieces[k].begin, pieces[k].end), pieces[k].end - pieces[k].begin,
                                  seed, pieces[k].begin);
    if (!part.ok()) return part.status();
    if (k == 0) {
      out = *std::move(part);
    } else {
      EVGEN_RETURN_IF_ERROR(out.Append(*part));
    }
  }
  return out;
}

void SampleBatcher::Run(std::vector<Pending>& shares) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  for (Pending& p : shares) {
    p.queued = now;
    queue_.push_back(&p);
  }
  cv_.notify_all();
  auto all_done = [&] {
    return std::all_of(shares.begin(), shares.end(), [](const Pending& p) { return p.done; });
  };
  while (!all_done()) {
    if (leading_) {
      cv_.wait(lock, [&] { return all_done() || !leading_; });
      continue;
    }
    leading_ = true;
    const auto deadline = queue_.front()->queued + config_.max_delay;
    cv_.wait_until(lock, deadline, [&] { return QueuedRows() >= block_; });
    const std::vector<Pending*> pass = TakePass();
    lock.unlock();
    RunPass(pass);
    lock.lock();
    for (Pending* p : pass) p->done = true;
    leading_ = false;
    cv_.notify_all();
  }
}

int64_t SampleBatcher::QueuedRows() const {
  int64_t rows = 0;
  for (const Pending* p : queue_) rows += p->share.rows;
  return rows;
}

std::vector<SampleBatcher::Pending*> SampleBatcher::TakePass() {
  std::vector<char> used(static_cast<size_t>(block_), 0);
  auto fits = [&](const Pending& p) {
    for (int64_t k = 0; k < p.share.rows; ++k) {
      if (used[(p.position + k) % block_]) return false;
    }
    return true;
  };
  std::vector<Pending*> pass;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (!fits(**it)) {
      ++it;
      continue;
    }
    for (int64_t k = 0; k < (*it)->share.rows; ++k) used[((*it)->position + k) % block_] = 1;
    pass.push_back(*it);
    it = queue_.erase(it);
  }
  return pass;
}

void SampleBatcher::RunPass(const std::vector<Pending*>& pass) {
  std::vector<Model::SampleShare> shares;
  for (const Pending* p : pass) shares.push_back(p->share);
  std::vector<absl::StatusOr<Table>> results;
  slots_->Acquire();
  try {
    results = model_->SampleShared(shares);
  } catch (const std::exception& e) {
    results.assign(pass.size(), absl::InternalError(absl::StrCat("sampling failed: ", e.what())));
  }
  slots_->Release();
  if (results.size() != pass.size()) {
    results.assign(pass.size(), absl::InternalError("sampling: the model returned the wrong number of shares"));
  }
  for (size_t i = 0; i < pass.size(); ++i) pass[i]->result = std::move(results[i]);
  counts_->passes.fetch_add(1, std::memory_order_relaxed);
  counts_->shares.fetch_add(static_cast<int64_t>(pass.size()), std::memory_order_relaxed);
  ProcessPassCounters().passes.Increment();
  ProcessPassCounters().shares.Increment(static_cast<double>(pass.size()));
}

SampleBatchers::SampleBatchers(BatchingConfig config)
    : config_(config), slots_(std::make_shared<ComputeSlots>(config.compute_slots)) {
  ProcessPassCounters();
}

std::shared_ptr<SampleBatcher> SampleBatchers::For(const std::shared_ptr<const Model>& model) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = batchers_.begin(); it != batchers_.end();) {
    it = it->second.expired() ? batchers_.erase(it) : std::next(it);
  }
  std::weak_ptr<SampleBatcher>& slot = batchers_[model.get()];
  std::shared_ptr<SampleBatcher> batcher = slot.lock();
  if (!batcher) {
    batcher = std::make_shared<SampleBatcher>(model, config_, counts_, slots_);
    slot = batcher;
  }
  return batcher;
}

}  // namespace evgen
