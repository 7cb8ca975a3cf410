// checkpoint_schedule.h: when a trainer that runs in steps saves its state,
// shared by the GAN, flow and jet-cloud trainers.
//
// The state after any step resumes exactly (FitContext in model.h), so a
// checkpoint is written every `every` steps, at the last step, when the
// trainer stops early, and on a cancel or server stop if steps were done
// since the last one: a cancel loses nothing. With an empty checkpoint path
// nothing is read or written.
//
// Example:
//   CheckpointSchedule checkpoints(ctx, config.checkpoint_every);
//   EVGEN_RETURN_IF_ERROR(checkpoints.Resume([&](const std::string& p) { state.Load(p); }));
//   checkpoints.Begin(state.step);
//   while (state.step < total) {
//     if (ctx.cancelled()) return checkpoints.Cancel(state.step, save);
//     ... one step ...
//     checkpoints.AfterStep(state.step, total, stop_early, save);
//   }
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "core/models/model.h"

namespace evgen {

class CheckpointSchedule {
 public:
  // Writes or reads the trainer's whole state at the path.
  using Io = std::function<void(const std::string& path)>;

  // `default_every` is the config's interval, used unless the context sets one.
  CheckpointSchedule(const FitContext& ctx, int64_t default_every);

  // Resume loads an existing checkpoint; an unreadable one is DataLoss
  // naming the file, never a silent fresh start.
  absl::Status Resume(const Io& load) const;
  // Begin records the step training starts from (what is already saved).
  void Begin(int64_t step) { saved_step_ = step; }
  // AfterStep saves when `step` is due, is the last one, or `force` is set.
  void AfterStep(int64_t step, int64_t total, bool force, const Io& save);
  // Cancel saves the steps done since the last save and returns Cancelled.
  absl::Status Cancel(int64_t step, const Io& save);

 private:
  void Save(int64_t step, const Io& save);

  const FitContext& ctx_;
  int64_t every_;
  int64_t saved_step_ = 0;
};

}  // namespace evgen
