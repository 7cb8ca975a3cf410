// training_job.h: TrainingRequest and the job that fits a model on a stored
// dataset and saves it as a new model version.
//
// ValidateTrainingRequest runs before a job is queued, so a bad request is
// refused at once with the field named (INVALID_ARGUMENT) or the missing
// dataset named (NOT_FOUND) instead of failing later inside a job.
//
// Checkpoints: RunTraining hands the model <checkpoint_dir>/fit.ckpt and
// keeps the training log so far in <checkpoint_dir>/train.jsonl at each
// checkpoint, so a resumed job continues both where its last checkpoint was.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/dataset_store.h"
#include "core/store/model_store.h"
#include "core/jobs/job_manager.h"
#include "nlohmann/json.hpp"

namespace evgen {

struct TrainingRequest {
  std::string model_name;
  std::string kind;
  std::string dataset;
  std::string region;  // "" -> "control" for jet tables with regions, else "all"
  std::vector<std::string> condition_columns;  // empty -> the kind's defaults
  std::vector<std::string> target_columns;
  nlohmann::json config = nlohmann::json::object();
  uint64_t seed = 0;
  std::string device;

  nlohmann::json ToJson() const;
  // FromJson reads what ToJson wrote (a job record's request);
  // InvalidArgument naming the field when it is missing or mistyped.
  [[nodiscard]] static absl::StatusOr<TrainingRequest> FromJson(const nlohmann::json& j);
};

// ValidateTrainingRequest checks names, kind, config, the dataset's existence
// and columns, and the region, and fills in the default region.
[[nodiscard]] absl::Status ValidateTrainingRequest(TrainingRequest& request, DatasetStore& datasets);

// RunTraining fits and saves the model; returns {"model": name, "version": v}.
[[nodiscard]] absl::StatusOr<nlohmann::json> RunTraining(const TrainingRequest& request,
                                                         DatasetStore& datasets,
                                                         ModelStore& models, JobContext& job);

}  // namespace evgen
