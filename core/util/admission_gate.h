// admission_gate.h: AdmissionGate, a counter of heavy calls in progress that
// refuses new ones past a limit instead of letting them queue without end.
//
// evgend runs heavy calls (metrics on large inputs, model samples, reference
// generation, uploads, exports) on their own pool; the gate in front of it
// answers ResourceExhausted, naming the limit, once `limit` calls are running
// or waiting, so a burst of heavy calls cannot grow memory or latency
// without bound. Cheap calls never pass through it.
//
// Threading: Enter() is thread-safe; a Ticket may be released on any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace evgen {

class AdmissionGate {
 public:
  // Ticket holds one place until it is destroyed.
  class Ticket {
   public:
    Ticket() = default;
    explicit Ticket(std::atomic<int>* in_use) : in_use_(in_use) {}
    Ticket(Ticket&& other) noexcept : in_use_(other.in_use_) { other.in_use_ = nullptr; }
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket() { Release(); }

   private:
    void Release();
    std::atomic<int>* in_use_ = nullptr;
  };

  // `limit` is the most calls in progress; `flag` names the setting in the
  // refusal so an operator knows what to raise.
  AdmissionGate(int limit, std::string flag) : limit_(limit), flag_(std::move(flag)) {}

  // Enter takes a place or answers ResourceExhausted naming `what`, the
  // limit and its flag.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<Ticket>> Enter(const std::string& what);

  int in_use() const { return in_use_.load(); }

 private:
  const int limit_;
  const std::string flag_;
  std::atomic<int> in_use_{0};
};

}  // namespace evgen
