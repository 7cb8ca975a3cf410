// training_log.h: TrainingLog, the training log of a job (train.jsonl): one
// JSON line per progress report. With a checkpoint directory, the lines so
// far are saved beside each checkpoint, and a resumed job starts from the
// lines saved with its last one, so the stored model's log covers the whole
// run, each step once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/models/model.h"

namespace evgen {

// TrainingLogPath is where a job with `checkpoint_dir` keeps its log; "" for
// a job without checkpoints.
std::string TrainingLogPath(const std::string& checkpoint_dir);

class TrainingLog {
 public:
  // `path` is where the lines are saved at checkpoints; "" for nowhere.
  explicit TrainingLog(std::string path) : path_(std::move(path)) {}

  // Restore reads the lines an earlier run of the job saved; DataLoss for a
  // line that is not a JSON object.
  [[nodiscard]] absl::Status Restore();

  // Add appends a progress report made `elapsed_s` after the run began.
  void Add(const TrainingProgress& p, double elapsed_s);
  // OnCheckpoint saves the lines up to the checkpointed `step`.
  void OnCheckpoint(int64_t step);

  const std::vector<std::string>& lines() const { return lines_; }
  // The run before this one: its last step and elapsed seconds.
  int64_t restored_step() const { return steps_.empty() ? 0 : steps_.back(); }
  double restored_elapsed_s() const { return restored_elapsed_s_; }

 private:
  void Save() const;

  std::string path_;
  std::vector<std::string> lines_;
  std::vector<int64_t> steps_;  // the step of each line
  size_t restored_ = 0;         // leading lines from an earlier run not yet followed by new ones
  double restored_elapsed_s_ = 0;
  int64_t checkpoint_step_ = -1;
};

}  // namespace evgen
