#include "core/train/training_job.h"

#include <chrono>
#include <filesystem>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/data/device.h"
#include "core/io/atomic_file.h"
#include "core/models/gan_config.h"
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

// ReadField sets `out` from j[key]; a missing optional key keeps `out`.
template <typename T>
absl::Status ReadField(const nlohmann::json& j, const char* key, const char* expected,
                       bool required, T& out) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (!required) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("training request: '", key, "' is missing"));
  }
  try {
    it->get_to(out);
  } catch (const nlohmann::json::exception&) {
    return absl::InvalidArgumentError(absl::StrCat("training request: '", key, "' must be ",
                                                   expected, ", not ", it->type_name()));
  }
  return absl::OkStatus();
}

std::string LogPath(const std::string& checkpoint_dir) {
  return checkpoint_dir.empty() ? "" : checkpoint_dir + "/train.jsonl";
}

// TrainingLog is the training log (train.jsonl): one JSON line per progress
// report. With a checkpoint directory, the lines so far are saved beside
// each checkpoint, and a resumed job starts from the lines saved with its
// last one, so the stored model's log covers the whole run.
class TrainingLog {
 public:
  // `path` is where the lines are saved at checkpoints; "" for nowhere.
  explicit TrainingLog(std::string path) : path_(std::move(path)) {}

  // Restore reads the lines an earlier run of the job saved.
  absl::Status Restore() {
    EVGEN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path_));
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) {
        return absl::DataLossError(
            absl::StrCat(path_, ": line ", lines_.size() + 1, " is not a JSON object"));
      }
      lines_.emplace_back(line);
      steps_.push_back(j.value("step", int64_t{0}));
      restored_elapsed_s_ = j.value("elapsed_s", 0.0);
    }
    restored_ = lines_.size();
    return absl::OkStatus();
  }

  void Add(const TrainingProgress& p, double elapsed_s) {
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

  void OnCheckpoint(int64_t step) {
    checkpoint_step_ = step;
    Save();
  }

  const std::vector<std::string>& lines() const { return lines_; }
  // The run before this one: its last step and elapsed seconds.
  int64_t restored_step() const { return steps_.empty() ? 0 : steps_.back(); }
  double restored_elapsed_s() const { return restored_elapsed_s_; }

 private:
  void Save() const {
    // Best effort: a failed write costs a resumed job only the log lines
    // since the previous checkpoint, never the training itself.
    if (path_.empty()) return;
    (void)WriteFileAtomically(path_, absl::StrCat(absl::StrJoin(lines_, "\n"), "\n"));
  }

  std::string path_;
  std::vector<std::string> lines_;
  std::vector<int64_t> steps_;  // the step of each line
  size_t restored_ = 0;         // leading lines from an earlier run not yet followed by new ones
  double restored_elapsed_s_ = 0;
  int64_t checkpoint_step_ = -1;
};

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
  if (std::filesystem::exists(ctx.checkpoint_path) && std::filesystem::exists(LogPath(dir))) {
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
  EVGEN_RETURN_IF_ERROR(ReadField(j, "model_name", "a string", true, r.model_name));
  EVGEN_RETURN_IF_ERROR(ReadField(j, "kind", "a string", true, r.kind));
  EVGEN_RETURN_IF_ERROR(ReadField(j, "dataset", "a string", true, r.dataset));
  EVGEN_RETURN_IF_ERROR(ReadField(j, "region", "a string", false, r.region));
  EVGEN_RETURN_IF_ERROR(
      ReadField(j, "condition_columns", "an array of strings", false, r.condition_columns));
  EVGEN_RETURN_IF_ERROR(
      ReadField(j, "target_columns", "an array of strings", false, r.target_columns));
  EVGEN_RETURN_IF_ERROR(ReadField(j, "config", "an object", false, r.config));
  EVGEN_RETURN_IF_ERROR(ReadField(j, "seed", "an unsigned integer", false, r.seed));
  EVGEN_RETURN_IF_ERROR(ReadField(j, "device", "a string", false, r.device));
  if (!r.config.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("training request: 'config' must be an object, not ", r.config.type_name()));
  }
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

// MergeRequestColumns: for a GAN, the request's condition/target columns are
// shorthand for the config's; they are copied in where the config names none,
// so the columns given both ways must agree (CheckColumns).
void MergeRequestColumns(TrainingRequest& request) {
  if (!IsGanKind(request.kind)) return;
  if (!request.condition_columns.empty() && !request.config.contains("condition_columns")) {
    request.config["condition_columns"] = request.condition_columns;
  }
  if (!request.target_columns.empty() && !request.config.contains("target_columns")) {
    request.config["target_columns"] = request.target_columns;
  }
}

}  // namespace

absl::Status ValidateTrainingRequest(TrainingRequest& request, DatasetStore& datasets) {
  EVGEN_RETURN_IF_ERROR(ValidateName("model_name", request.model_name));
  if (!request.config.is_object()) {
    return absl::InvalidArgumentError("config_json: must be a JSON object");
  }
  MergeRequestColumns(request);
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

  TrainingLog log(LogPath(job.checkpoint_dir()));
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
