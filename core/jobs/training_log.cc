#include "core/jobs/training_log.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/io/atomic_file.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"

namespace evgen {

std::string TrainingLogPath(const std::string& checkpoint_dir) {
  return checkpoint_dir.empty() ? "" : checkpoint_dir + "/train.jsonl";
}

absl::Status TrainingLog::Restore() {
  EVGEN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path_));
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
      return absl::DataLossError(absl::StrCat(path_, ": line ", lines_.size() + 1, " is not a JSON object"));
    }
    lines_.emplace_back(line);
    steps_.push_back(j.value("step", int64_t{0}));
    restored_elapsed_s_ = j.value("elapsed_s", 0.0);
  }
  restored_ = lines_.size();
  return absl::OkStatus();
}

void TrainingLog::Add(const TrainingProgress& p, double elapsed_s) {
  // A resumed model may report again steps the saved log already holds;
  // its new lines replace those, so steps never repeat.
  for (; restored_ > 0 && steps_.back() >= p.step; --restored_) {
    lines_.pop_back();
    steps_.pop_back();
  }
  restored_ = 0;
  lines_.push_back(nlohmann::json{{"step", p.step},
                                  {"total_steps", p.total_steps},
                                  {"losses", p.losses},
                                  {"validation_metric", p.validation_metric},
                                  {"message", p.message},
                                  {"elapsed_s", elapsed_s}}
                       .dump());
  steps_.push_back(p.step);
  // A model may report a step after checkpointing it: the saved log then
  // gets that step's line too, as the checkpoint covers it.
  if (p.step == checkpoint_step_) Save();
}

void TrainingLog::OnCheckpoint(int64_t step) {
  checkpoint_step_ = step;
  Save();
}

void TrainingLog::Save() const {
  // Best effort: a failed write costs a resumed job only the log lines since
  // the previous checkpoint, never the training itself.
  if (path_.empty()) return;
  (void)WriteFileAtomically(path_, absl::StrCat(absl::StrJoin(lines_, "\n"), "\n"));
}

}  // namespace evgen
