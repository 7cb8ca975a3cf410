// stop_check.h: StopScope and CheckStop, how long work deep in core learns
// that its caller gave up (the client cancelled, the call's deadline passed)
// without every function along the way taking a token.
//
// The server opens a StopScope on the thread that runs a call. Loops that can
// run for more than a fraction of a second call StopRequested() between
// blocks and return early; the function that owns the result then returns
// CheckStop(), so a half-computed value never leaves as if it were whole.
// Outside any scope (tests, benches, training jobs) nothing ever stops.
//
// Threading: a scope belongs to the thread that opened it; LibTorch's worker
// threads see no scope, which is why checks sit in the outer loops.
//
// Example:
//   StopScope scope([&] { return context->IsCancelled() ? absl::CancelledError("...")
//                                                       : absl::OkStatus(); });
//   for (int64_t begin = 0; begin < n; begin += block) {
//     EVGEN_RETURN_IF_ERROR(CheckStop());
//     ...
//   }
#pragma once

#include <functional>

#include "absl/status/status.h"

namespace evgen {

class StopScope {
 public:
  // `check` returns OK while the work is wanted, else the status to end with
  // (Cancelled, DeadlineExceeded).
  explicit StopScope(std::function<absl::Status()> check);
  ~StopScope();
  StopScope(const StopScope&) = delete;
  StopScope& operator=(const StopScope&) = delete;

 private:
  friend absl::Status CheckStop();
  std::function<absl::Status()> check_;
  StopScope* outer_;
};

// CheckStop returns the innermost scope's verdict, OK outside any scope.
[[nodiscard]] absl::Status CheckStop();

// StopRequested is !CheckStop().ok(), for loops that cannot return a Status.
bool StopRequested();

}  // namespace evgen
