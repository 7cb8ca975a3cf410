#include "core/util/admission_gate.h"

#include "absl/strings/str_cat.h"

namespace evgen {

AdmissionGate::Ticket& AdmissionGate::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    Release();
    in_use_ = other.in_use_;
    other.in_use_ = nullptr;
  }
  return *this;
}

void AdmissionGate::Ticket::Release() {
  if (in_use_ != nullptr) in_use_->fetch_sub(1);
  in_use_ = nullptr;
}

absl::StatusOr<std::shared_ptr<AdmissionGate::Ticket>> AdmissionGate::Enter(const std::string& what) {
  int current = in_use_.load();
  do {
    if (current >= limit_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          what, ": the server is busy with ", current, " heavy calls, its limit (", flag_, " ", limit_,
          "); retry later"));
    }
  } while (!in_use_.compare_exchange_weak(current, current + 1));
  return std::make_shared<Ticket>(&in_use_);
}

}  // namespace evgen
