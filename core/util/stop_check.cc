#include "core/util/stop_check.h"

namespace evgen {
namespace {

thread_local StopScope* current_scope = nullptr;

}  // namespace

StopScope::StopScope(std::function<absl::Status()> check)
    : check_(std::move(check)), outer_(current_scope) {
  current_scope = this;
}

StopScope::~StopScope() { current_scope = outer_; }

absl::Status CheckStop() {
  // Outer scopes count too: a nested helper's scope must not hide that the
  // whole call was abandoned.
  for (StopScope* scope = current_scope; scope != nullptr; scope = scope->outer_) {
    absl::Status status = scope->check_();
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

bool StopRequested() { return !CheckStop().ok(); }

}  // namespace evgen
