#include "core/train/training_job.h"

#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/data/device.h"
#include "core/models/model_registry.h"
#include "core/physics/regions.h"
#include "core/status_macros.h"
#include "core/store/names.h"

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

}  // namespace

nlohmann::json TrainingRequest::ToJson() const {
  return {{"model_name", model_name},         {"kind", kind},
          {"dataset", dataset},               {"region", region},
          {"condition_columns", condition_columns}, {"target_columns", target_columns},
          {"config", config},                 {"seed", seed},
          {"device", device}};
}

absl::Status ValidateTrainingRequest(TrainingRequest& request, DatasetStore& datasets) {
  EVGEN_RETURN_IF_ERROR(ValidateName("model_name", request.model_name));
  if (!request.config.is_object()) {
    return absl::InvalidArgumentError("config_json: must be a JSON object");
  }
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

  std::vector<std::string> log;
  const auto start = std::chrono::steady_clock::now();
  FitContext ctx;
  ctx.seed = request.seed;
  ctx.cancelled = [&job] { return job.cancelled(); };
  ctx.on_progress = [&](const TrainingProgress& p) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double fraction = p.total_steps > 0 ? double(p.step) / p.total_steps : 0;
    const double rate = elapsed > 0 ? fraction * train.num_rows() / elapsed : 0;
    const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : -1;
    job.Report(p, rate, eta);
    log.push_back(nlohmann::json{{"step", p.step},
                                 {"total_steps", p.total_steps},
                                 {"losses", p.losses},
                                 {"validation_metric", p.validation_metric},
                                 {"message", p.message},
                                 {"elapsed_s", elapsed}}
                      .dump());
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
  EVGEN_ASSIGN_OR_RETURN(ModelRecord saved, models.Put(record, *model, log));
  return nlohmann::json{{"model", saved.name}, {"version", saved.version}};
}

}  // namespace evgen
