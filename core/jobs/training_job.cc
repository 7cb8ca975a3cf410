#include "core/jobs/training_job.h"

#include <chrono>
#include <filesystem>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/data/device.h"
#include "core/jobs/training_log.h"
#include "core/models/model_registry.h"
#include "core/physics/regions.h"
#include "core/status_macros.h"
#include "core/store/names.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

absl::Status CheckColumns(const char* field, const std::vector<std::string>& requested,
                          const std::vector<std::string>& model_columns, const std::string& kind) {
  if (requested.empty() || requested == model_columns) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": [", absl::StrJoin(requested, ", "), "] do not match the ", kind, " model's [",
      absl::StrJoin(model_columns, ", "), "]; choose other columns through config_json"));
}

absl::Status CheckDatasetHasColumns(const Table& table, const std::string& dataset,
                                    const std::vector<std::string>& columns) {
  for (const std::string& c : columns) {
    if (!table.HasColumn(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "training_data: dataset '", dataset, "' has no column '", c, "'; its columns are [",
          absl::StrJoin(table.columns(), ", "), "]"));
    }
  }
  return absl::OkStatus();
}

// Pace is the throughput and time left: the model's own figures where it
// measured them, else estimated from this run's steps, so that a resumed
// job's earlier steps do not inflate them.
struct Pace {
  double events_per_second = 0;
  double eta_seconds = -1;
};

Pace PaceOf(const TrainingProgress& p, int64_t first_step, double run_s, int64_t rows) {
  Pace pace;
  const int64_t done = p.step - first_step;
  if (p.total_steps > 0 && done > 0 && run_s > 0) {
    const double fraction = static_cast<double>(done) / p.total_steps;
    pace.events_per_second = fraction * rows / run_s;
    pace.eta_seconds = run_s * static_cast<double>(p.total_steps - p.step) / done;
  }
  if (p.events_per_second >= 0) pace.events_per_second = p.events_per_second;
  if (p.eta_seconds >= 0) pace.eta_seconds = p.eta_seconds;
  return pace;
}

// SetUpCheckpoints points the model at the job's checkpoint and, when the
// job resumes from one, restores the training log saved with it.
absl::Status SetUpCheckpoints(const std::string& dir, TrainingLog& log, FitContext& ctx) {
  if (dir.empty()) return absl::OkStatus();
  ctx.checkpoint_path = dir + "/fit.ckpt";
  if (std::filesystem::exists(ctx.checkpoint_path) && std::filesystem::exists(TrainingLogPath(dir))) {
    EVGEN_RETURN_IF_ERROR(log.Restore());
  }
  ctx.on_checkpoint = [&log](int64_t step) { log.OnCheckpoint(step); };
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TrainingRequest> TrainingRequest::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("training request: must be a JSON object, not ", j.type_name()));
  }
  TrainingRequest r;
  ConfigReader reader(j, "training request");
  reader.Required("model_name").String("model_name", r.model_name)
      .Required("kind").String("kind", r.kind)
      .Required("dataset").String("dataset", r.dataset)
      .String("region", r.region, /*may_be_empty=*/true)
      .Strings("condition_columns", r.condition_columns)
      .Strings("target_columns", r.target_columns)
      .Object("config", r.config)
      .Unsigned("seed", r.seed)
      .String("device", r.device, /*may_be_empty=*/true);
  EVGEN_RETURN_IF_ERROR(reader.Finish());
  return r;
}

nlohmann::json TrainingRequest::ToJson() const {
  return {{"model_name", model_name},         {"kind", kind},
          {"dataset", dataset},               {"region", region},
          {"condition_columns", condition_columns}, {"target_columns", target_columns},
          {"config", config},                 {"seed", seed},
          {"device", device}};
}

namespace {

// MergeRequestColumns: for a family whose config names the columns, the
// request's condition/target columns are shorthand for the config's; they
// are copied in where the config names none, so the columns given both ways
// must agree (CheckColumns).
absl::Status MergeRequestColumns(TrainingRequest& request) {
  EVGEN_ASSIGN_OR_RETURN(const ModelFamily* family, FindModelFamily(request.kind));
  if (!family->config_names_columns()) return absl::OkStatus();
  if (!request.condition_columns.empty() && !request.config.contains("condition_columns")) {
    request.config["condition_columns"] = request.condition_columns;
  }
  if (!request.target_columns.empty() && !request.config.contains("target_columns")) {
    request.config["target_columns"] = request.target_columns;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTrainingRequest(TrainingRequest& request, DatasetStore& datasets) {
  EVGEN_RETURN_IF_ERROR(ValidateName("model_name", request.model_name));
  if (!request.config.is_object()) {
    return absl::InvalidArgumentError("config_json: must be a JSON object");
  }
  EVGEN_RETURN_IF_ERROR(MergeRequestColumns(request));
  EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, CreateModel(request.kind, request.config));
  EVGEN_RETURN_IF_ERROR(CheckColumns("condition_columns", request.condition_columns,
                                     model->condition_columns(), request.kind));
  EVGEN_RETURN_IF_ERROR(
      CheckColumns("target_columns", request.target_columns, model->target_columns(), request.kind));
  EVGEN_RETURN_IF_ERROR(ResolveDevice(request.device).status());
  EVGEN_ASSIGN_OR_RETURN(std::shared_ptr<const Table> table, datasets.Get(request.dataset));
  EVGEN_RETURN_IF_ERROR(CheckDatasetHasColumns(*table, request.dataset, model->condition_columns()));
  EVGEN_RETURN_IF_ERROR(CheckDatasetHasColumns(*table, request.dataset, model->target_columns()));
  if (request.region.empty()) request.region = table->HasColumn("region") ? "control" : "all";
  EVGEN_ASSIGN_OR_RETURN(int64_t rows, CountRegionRows(*table, request.region));
  if (rows == 0) {
    return absl::FailedPreconditionError(absl::StrCat("training_data: region '", request.region,
                                                      "' of dataset '", request.dataset,
                                                      "' holds no rows"));
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> RunTraining(const TrainingRequest& request, DatasetStore& datasets,
                                           ModelStore& models, JobContext& job) {
  EVGEN_ASSIGN_OR_RETURN(std::shared_ptr<const Table> table, datasets.Get(request.dataset));
  EVGEN_ASSIGN_OR_RETURN(Table train, SelectRegion(*table, request.region));
  EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, CreateModel(request.kind, request.config));
  EVGEN_ASSIGN_OR_RETURN(DeviceInfo device, ResolveDevice(request.device));

  TrainingLog log(TrainingLogPath(job.checkpoint_dir()));
  FitContext ctx;
  ctx.seed = request.seed;
  ctx.device = absl::StartsWith(device.name, "cuda") ? "cuda" : "cpu";
  ctx.cancelled = [&job] { return job.cancelled(); };
  EVGEN_RETURN_IF_ERROR(SetUpCheckpoints(job.checkpoint_dir(), log, ctx));
  // A resumed run's clock and pace continue from where the saved log ends.
  const double earlier_s = log.restored_elapsed_s();
  const int64_t first_step = log.restored_step();
  const auto start = std::chrono::steady_clock::now();
  ctx.on_progress = [&](const TrainingProgress& p) {
    const double run_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const Pace pace = PaceOf(p, first_step, run_s, train.num_rows());
    job.Report(p, pace.events_per_second, pace.eta_seconds);
    log.Add(p, earlier_s + run_s);
  };
  EVGEN_RETURN_IF_ERROR(model->Fit(train, ctx));
  if (job.cancelled()) return absl::CancelledError("training cancelled");

  ModelRecord record;
  record.name = request.model_name;
  record.config = request.config;
  record.dataset = request.dataset;
  record.region = request.region;
  record.job_id = job.id();
  record.seed = request.seed;
  record.metrics = {{"training_rows", train.num_rows()}};
  // A model that reports what fitting found (a GAN's best validation metric,
  // steps, early stop) has it stored as the version's final metrics.
  const nlohmann::json description = model->Describe();
  if (description.contains("fit") && description["fit"].is_object()) {
    for (const auto& [key, value] : description["fit"].items()) record.metrics[key] = value;
  }
  EVGEN_ASSIGN_OR_RETURN(ModelRecord saved, models.Put(record, *model, log.lines()));
  return nlohmann::json{{"model", saved.name}, {"version", saved.version}};
}

}  // namespace evgen
