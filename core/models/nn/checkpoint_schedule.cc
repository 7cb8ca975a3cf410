#include "core/models/nn/checkpoint_schedule.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace evgen {

CheckpointSchedule::CheckpointSchedule(const FitContext& ctx, int64_t default_every)
    : ctx_(ctx),
      every_(
          std::max<int64_t>(1, ctx.checkpoint_every > 0 ? ctx.checkpoint_every : default_every)) {}

absl::Status CheckpointSchedule::Resume(const Io& load) const {
  if (ctx_.checkpoint_path.empty() || !std::filesystem::exists(ctx_.checkpoint_path))
    return absl::OkStatus();
  try {
    load(ctx_.checkpoint_path);
  } catch (const c10::Error& e) {
    return absl::DataLossError(absl::StrCat("checkpoint '", ctx_.checkpoint_path,
                                            "' is unreadable: ", e.what_without_backtrace()));
  }
  return absl::OkStatus();
}

void CheckpointSchedule::AfterStep(int64_t step, int64_t total, bool force, const Io& save) {
  if (step % every_ == 0 || step == total || force) Save(step, save);
}

absl::Status CheckpointSchedule::Cancel(int64_t step, const Io& save) {
  if (step > saved_step_) Save(step, save);
  return absl::CancelledError("training cancelled");
}

void CheckpointSchedule::Save(int64_t step, const Io& save) {
  if (ctx_.checkpoint_path.empty()) return;
  save(ctx_.checkpoint_path);
  ctx_.on_checkpoint(step);
  saved_step_ = step;
}

}  // namespace evgen
