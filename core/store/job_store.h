// job_store.h: JobRecord, the durable state of a job, and JobStore, which
// keeps one JSON file per job under <data-dir>/jobs so a restarted server
// still knows every job and which ones it interrupted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/models/model.h"
#include "nlohmann/json.hpp"

namespace evgen {

enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled, kInterrupted };

std::string JobStateName(JobState state);
bool IsTerminal(JobState state);

struct JobRecord {
  std::string id;
  std::string type;  // "train"
  JobState state = JobState::kQueued;
  nlohmann::json request = nlohmann::json::object();
  TrainingProgress progress;
  double events_per_second = 0;
  double eta_seconds = -1;
  std::string error;
  nlohmann::json result = nlohmann::json::object();
  int64_t created_unix_ms = 0;
  int64_t started_unix_ms = 0;
  int64_t finished_unix_ms = 0;
  int64_t revision = 0;  // bumped on every change, for watchers
  int resumes = 0;       // times the job was resumed after an interruption or cancel

  nlohmann::json ToJson() const;
  [[nodiscard]] static absl::StatusOr<JobRecord> FromJson(const nlohmann::json& j);
};

class JobStore {
 public:
  explicit JobStore(std::string root) : root_(std::move(root)) {}
  [[nodiscard]] absl::Status Init();
  [[nodiscard]] absl::Status Save(const JobRecord& record) const;
  // LoadAll returns every readable record; unreadable files are skipped.
  std::vector<JobRecord> LoadAll() const;

 private:
  std::string root_;
};

}  // namespace evgen
