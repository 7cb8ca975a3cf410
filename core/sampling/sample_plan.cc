#include "core/sampling/sample_plan.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

// GivenConditions resolves the spec's conditions source; an empty table for
// an unconditional model that was given none.
absl::StatusOr<Table> GivenConditions(const SampleSpec& spec, const Model& model, DatasetStore& datasets,
                                      const std::string& field) {
  if (spec.conditions_table.has_value() && spec.conditions_from.has_value()) {
    return absl::InvalidArgumentError("conditions: give conditions_table or conditions_from, not both");
  }
  if (spec.conditions_table.has_value()) return *spec.conditions_table;
  if (spec.conditions_from.has_value()) return SelectDataset(datasets, *spec.conditions_from, field);
  if (!model.condition_columns().empty()) {
    if (!spec.conditions_field.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(spec.conditions_field, ": the model is conditional; name a dataset of conditions"));
    }
    return absl::InvalidArgumentError(
        "conditions: the model is conditional; set conditions_table or conditions_from");
  }
  return Table();
}

std::string ConditionsField(const SampleSpec& spec) {
  if (!spec.conditions_field.empty()) return spec.conditions_field;
  return spec.conditions_table.has_value() ? "conditions_table" : "conditions_from";
}

constexpr char kLogDensityColumn[] = "log_density";

// AddLogDensity appends log p(x | c) of the generated rows, evaluated by
// the model's density on the rows as they leave the sampler (float32), so
// the column is what `evgen density` would give for the same file.
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

}  // namespace

int SamplePlan::num_columns() const {
  return conditions_->num_columns() + static_cast<int>(model_->target_columns().size()) +
         (with_log_density_ ? 1 : 0);
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
  EVGEN_ASSIGN_OR_RETURN(auto loaded, models.Load(spec.model, spec.version));
  plan.record_ = std::move(loaded.first);
  plan.model_ = std::move(loaded.second);
  if (batchers != nullptr) plan.batcher_ = batchers->For(plan.model_);
  EVGEN_RETURN_IF_ERROR(CheckLogDensity(spec, *plan.model_));
  plan.with_log_density_ = spec.with_log_density;
  const std::string field = ConditionsField(spec);
  EVGEN_ASSIGN_OR_RETURN(Table given, GivenConditions(spec, *plan.model_, datasets, field));
  EVGEN_ASSIGN_OR_RETURN(Table arranged,
                         ArrangeConditions(*plan.model_, given, spec.keep_columns, field.c_str()));
  EVGEN_ASSIGN_OR_RETURN(plan.report_, CheckConditionValues(*plan.model_, arranged, spec.n,
                                                            spec.refuse_out_of_range, field.c_str()));
  plan.conditions_ = std::make_shared<const Table>(std::move(arranged));
  plan.n_ = spec.n;
  plan.seed_ = spec.seed;
  plan.rows_per_chunk_ = SampleChunkRows(*plan.model_, plan.num_columns(), spec.chunk_value_bytes, spec.n);
  return plan;
}

int64_t SampleChunkRows(const Model& model, int columns, int64_t chunk_value_bytes, int64_t n) {
  if (chunk_value_bytes <= 0) return n;
  // A row wider than the bound still travels, one per chunk.
  const int64_t row_bytes = static_cast<int64_t>(sizeof(float)) * std::max(1, columns);
  int64_t rows = std::max<int64_t>(1, chunk_value_bytes / row_bytes);
  // Whole blocks of the model per chunk, when a chunk holds at least one:
  // a block cut by a chunk boundary would be generated twice.
  const int64_t block = model.sample_block_rows();
  if (block > 1 && rows >= block) rows -= rows % block;
  return rows;
}

}  // namespace evgen
