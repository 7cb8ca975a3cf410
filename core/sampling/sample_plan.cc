#include "core/sampling/sample_plan.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/data/device.h"
#include "core/models/conditions_stage.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/stop_check.h"

namespace evgen {
namespace {

// CountSources counts the conditions sources a spec gives; at most one.
int CountSources(const SampleSpec& spec) {
  return static_cast<int>(spec.conditions_table.has_value()) + static_cast<int>(spec.conditions_from.has_value()) +
         static_cast<int>(spec.conditions_model.has_value());
}

// ConditionsModelRows draws the spec's n conditions from its conditions
// model, which must be unconditional: a chain of conditional models would
// hide where each stage's conditions came from. Returns the rows and the
// version that drew them.
absl::StatusOr<std::pair<Table, int>> ConditionsModelRows(const SampleSpec& spec, ModelStore& models,
                                                          DatasetStore& datasets, const std::string& field) {
  SampleSpec stage;
  stage.model = spec.conditions_model->model;
  stage.version = spec.conditions_model->version;
  stage.n = spec.n;
  stage.seed = DeriveSeed(spec.seed, kConditionsStageLabel);
  stage.device = spec.device;
  if (stage.model.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".model: must name a stored model"));
  }
  // The record says whether the model is conditional without loading its
  // weights (PlanSample loads them for the request's device below).
  const absl::StatusOr<ModelRecord> record = models.GetRecord(stage.model, stage.version);
  if (!record.ok()) {
    return absl::Status(record.status().code(), absl::StrCat(field, ": ", record.status().message()));
  }
  const std::vector<std::string>& own = record->condition_columns;
  if (!own.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": model '", stage.model, "' is itself conditional (on ", absl::StrJoin(own, ", "),
        "); a conditions model must be unconditional"));
  }
  EVGEN_ASSIGN_OR_RETURN(SamplePlan plan, PlanSample(stage, models, datasets));
  EVGEN_ASSIGN_OR_RETURN(Table rows, plan.All());
  return std::make_pair(std::move(rows), plan.record().version);
}

// GivenConditions resolves the spec's conditions table or dataset query
// (at most one source, checked by the caller); an empty table for an
// unconditional model that was given none.
absl::StatusOr<Table> GivenConditions(const SampleSpec& spec, const Model& model, DatasetStore& datasets,
                                      const std::string& field) {
  if (spec.conditions_table.has_value()) return *spec.conditions_table;
  if (spec.conditions_from.has_value()) return SelectDataset(datasets, *spec.conditions_from, field);
  if (!model.condition_columns().empty()) {
    if (!spec.conditions_field.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          spec.conditions_field, ": the model is conditional; name a dataset of conditions or a conditions_model"));
    }
    return absl::InvalidArgumentError(
        "conditions: the model is conditional; set conditions_table, conditions_from or conditions_model");
  }
  return Table();
}

// ResolveConditions returns the conditions of the spec's one source (none
// for an unconditional model), with the version of a conditions model that
// drew them in *conditions_model_version.
absl::StatusOr<Table> ResolveConditions(const SampleSpec& spec, const Model& model, ModelStore& models,
                                        DatasetStore& datasets, const std::string& field,
                                        int* conditions_model_version) {
  if (CountSources(spec) > 1) {
    return absl::InvalidArgumentError(
        "conditions: give one of conditions_table, conditions_from and conditions_model");
  }
  if (!spec.conditions_model.has_value()) return GivenConditions(spec, model, datasets, field);
  EVGEN_ASSIGN_OR_RETURN(auto drawn, ConditionsModelRows(spec, models, datasets, field));
  *conditions_model_version = drawn.second;
  return std::move(drawn.first);
}

std::string ConditionsField(const SampleSpec& spec) {
  if (!spec.conditions_field.empty()) return spec.conditions_field;
  if (spec.conditions_model.has_value()) return "conditions_model";
  return spec.conditions_table.has_value() ? "conditions_table" : "conditions_from";
}

constexpr char kLogDensityColumn[] = "log_density";

// AddLogDensity appends log p(x | c) of the generated rows, evaluated by
// the model's density on the rows as they leave the sampler (float32), so
// the column is what `evgen density` would give for the same file.
// LoadForSampling loads the model for the request's device and precision.
// "auto" (or no device) means the GPU when there is one and the family can
// sample there, else the CPU; an explicit device or a reduced precision the
// family cannot give is refused.
absl::StatusOr<std::pair<ModelRecord, std::shared_ptr<const Model>>> LoadForSampling(const SampleSpec& spec,
                                                                                      ModelStore& models) {
  InferenceTarget target;
  if (!spec.precision.empty()) target.precision = spec.precision;
  if (target.precision != "fp32" && target.precision != "bf16" && target.precision != "fp16") {
    return absl::InvalidArgumentError(
        absl::StrCat("precision: '", spec.precision, "' is not one of ", kPrecisions));
  }
  EVGEN_ASSIGN_OR_RETURN(DeviceInfo device, ResolveDevice(spec.device));
  target.device = device.name;
  auto loaded = models.LoadFor(spec.model, spec.version, target);
  const bool automatic = spec.device.empty() || spec.device == "auto";
  if (absl::IsUnimplemented(loaded.status()) && automatic && target.precision == "fp32") {
    return models.Load(spec.model, spec.version);
  }
  return loaded;
}

absl::StatusOr<Table> AddLogDensity(const Model& model, Table rows) {
  EVGEN_ASSIGN_OR_RETURN(std::vector<double> log_p, model.LogDensity(rows));
  EVGEN_RETURN_IF_ERROR(rows.AppendColumn(kLogDensityColumn, std::vector<float>(log_p.begin(), log_p.end())));
  return rows;
}

// CheckLogDensity asks the model for a density of no rows, so that a model
// without one (a GAN) is refused before any row is generated.
absl::Status CheckLogDensity(const SampleSpec& spec, const Model& model) {
  if (!spec.with_log_density) return absl::OkStatus();
  for (const std::string& keep : spec.keep_columns) {
    if (keep == kLogDensityColumn) {
      return absl::InvalidArgumentError("keep_columns: 'log_density' is the column with_log_density adds");
    }
  }
  const absl::Status probe = model.LogDensity(Table()).status();
  if (probe.code() == absl::StatusCode::kFailedPrecondition) {
    return absl::FailedPreconditionError(
        absl::StrCat("with_log_density: model '", spec.model, "': ", probe.message()));
  }
  return absl::OkStatus();
}

// OneRowPerSet keeps the first row of each set of a long table (rows of a
// set consecutive, the same "jet" value): a set model's conditions are one
// row per set, while a stored jet-cloud dataset repeats them on every
// member. Tables without a "jet" column are taken as one row per set.
absl::StatusOr<Table> OneRowPerSet(const Table& given) {
  const absl::StatusOr<int> jet = given.ColumnIndex("jet");
  if (!jet.ok()) return given;
  std::vector<int64_t> firsts;
  for (int64_t r = 0; r < given.num_rows(); ++r) {
    if (r == 0 || given.at(r, *jet) != given.at(r - 1, *jet)) firsts.push_back(r);
  }
  return given.SelectRows(firsts);
}

}  // namespace

int SamplePlan::num_columns() const {
  return conditions_->num_columns() + static_cast<int>(model_->target_columns().size()) +
         (with_log_density_ ? 1 : 0) + (model_->samples_sets() ? Model::kSetLayoutColumns : 0);
}

absl::StatusOr<int64_t> SamplePlan::OutputRowsBefore(int64_t row) const {
  if (row < 0 || row > n_) {
    return absl::OutOfRangeError(absl::StrCat("sample row ", row, " outside [0, ", n_, "]"));
  }
  if (!model_->samples_sets()) return row;
  const int64_t chunk = row / rows_per_chunk_;
  int64_t before = rows_before_chunk_[static_cast<size_t>(chunk)];
  if (row % rows_per_chunk_ == 0) return before;
  EVGEN_ASSIGN_OR_RETURN(std::vector<int64_t> sizes,
                         SetSizesFor(*model_, *conditions_, chunk * rows_per_chunk_, row, seed_));
  for (int64_t size : sizes) before += size;
  return before;
}

// CountOutputRows finds, for a set model, the output rows before each chunk
// and in all, from the model's sizes stage, a chunk at a time.
absl::Status SamplePlan::CountOutputRows() {
  output_rows_ = n_;
  if (!model_->samples_sets()) return absl::OkStatus();
  rows_before_chunk_.assign(1, 0);
  for (int64_t begin = 0; begin < n_; begin += rows_per_chunk_) {
    EVGEN_RETURN_IF_ERROR(CheckStop());
    const int64_t end = std::min(n_, begin + rows_per_chunk_);
    EVGEN_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, SetSizesFor(*model_, *conditions_, begin, end, seed_));
    int64_t rows = rows_before_chunk_.back();
    for (int64_t size : sizes) rows += size;
    rows_before_chunk_.push_back(rows);
  }
  output_rows_ = rows_before_chunk_.back();
  return absl::OkStatus();
}

absl::StatusOr<Table> SamplePlan::Rows(int64_t begin, int64_t end) const {
  if (begin < 0 || end > n_ || begin > end) {
    return absl::OutOfRangeError(absl::StrCat("sample rows [", begin, ", ", end, ") outside [0, ", n_, ")"));
  }
  EVGEN_ASSIGN_OR_RETURN(Table rows, SampleRows(*model_, *conditions_, begin, end, seed_, batcher_.get()));
  if (!with_log_density_) return rows;
  return AddLogDensity(*model_, std::move(rows));
}

absl::StatusOr<Table> SamplePlan::All() const {
  EVGEN_ASSIGN_OR_RETURN(Table all, SampleAll(*model_, *conditions_, n_, seed_));
  if (!with_log_density_) return all;
  return AddLogDensity(*model_, std::move(all));
}

absl::StatusOr<SamplePlan> PlanSample(const SampleSpec& spec, ModelStore& models, DatasetStore& datasets,
                                      SampleBatchers* batchers) {
  if (spec.n <= 0) return absl::InvalidArgumentError(absl::StrCat("n: must be >= 1, got ", spec.n));
  if (spec.model.empty()) return absl::InvalidArgumentError("model: must name a stored model");
  SamplePlan plan;
  EVGEN_ASSIGN_OR_RETURN(auto loaded, LoadForSampling(spec, models));
  plan.record_ = std::move(loaded.first);
  plan.model_ = std::move(loaded.second);
  if (batchers != nullptr) plan.batcher_ = batchers->For(plan.model_);
  EVGEN_RETURN_IF_ERROR(CheckLogDensity(spec, *plan.model_));
  plan.with_log_density_ = spec.with_log_density;
  const std::string field = ConditionsField(spec);
  EVGEN_ASSIGN_OR_RETURN(Table given, ResolveConditions(spec, *plan.model_, models, datasets, field,
                                                       &plan.conditions_model_version_));
  if (plan.model_->samples_sets()) {
    EVGEN_ASSIGN_OR_RETURN(given, OneRowPerSet(given));
  }
  EVGEN_ASSIGN_OR_RETURN(Table arranged,
                         ArrangeConditions(*plan.model_, given, spec.keep_columns, field.c_str()));
  EVGEN_ASSIGN_OR_RETURN(plan.report_, CheckConditionValues(*plan.model_, arranged, spec.n,
                                                            spec.refuse_out_of_range, field.c_str()));
  plan.conditions_ = std::make_shared<const Table>(std::move(arranged));
  plan.n_ = spec.n;
  plan.seed_ = spec.seed;
  plan.rows_per_chunk_ = SampleChunkRows(*plan.model_, plan.num_columns(), spec.chunk_value_bytes, spec.n);
  EVGEN_RETURN_IF_ERROR(plan.CountOutputRows());
  return plan;
}

int64_t SampleChunkRows(const Model& model, int columns, int64_t chunk_value_bytes, int64_t n) {
  if (chunk_value_bytes <= 0) return n;
  // A row wider than the bound still travels, one per chunk; a set counts
  // as its largest size.
  const int64_t row_bytes =
      static_cast<int64_t>(sizeof(float)) * std::max(1, columns) * std::max<int64_t>(1, model.max_set_size());
  int64_t rows = std::max<int64_t>(1, chunk_value_bytes / row_bytes);
  // Whole blocks of the model per chunk, when a chunk holds at least one:
  // a block cut by a chunk boundary would be generated twice.
  const int64_t block = model.sample_block_rows();
  if (block > 1 && rows >= block) rows -= rows % block;
  return rows;
}

}  // namespace evgen
