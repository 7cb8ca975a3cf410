// sample_plan.h: SampleSpec, what a request for generated events asks for in
// core's terms, and SamplePlan, the resolved use case every caller runs (the
// server's Sample stream, model samples as a metric input, the benchmarks and
// the tests): the model loaded, the conditions selected, checked and
// arranged, and the rows produced in any slices.
//
// Set models (Model::samples_sets, jets as particle clouds): n counts sets,
// Rows(a, b) returns sets [a, b) in the long layout, one row per member, and
// output_rows() and OutputRowsBefore() say where they fall in the output; a
// long table of conditions (a stored jet-cloud dataset) gives one conditions
// row per set, its first.
//
// Conditions: a table given with the request, a query of a stored dataset,
// the samples of another stored model (ConditionsModel), or none for an
// unconditional model. Rows are reused in turn when n exceeds
// them (row i takes conditions row i mod R), and kept columns are copied
// after the generated ones (sample_rows.h). Because models key their
// randomness on absolute rows, Rows(a, b) for consecutive slices
// concatenates to All(): byte for byte the same sample whatever the chunks.
//
// Example:
//   SampleSpec spec;
//   spec.model = "qcd-gan"; spec.n = 1'000'000; spec.seed = 7;
//   spec.conditions_from = DatasetQuery{.dataset = "qcd", .region = "validation"};
//   EVGEN_ASSIGN_OR_RETURN(SamplePlan plan, PlanSample(spec, models, datasets));
//   for (int64_t b = 0; b < plan.n(); b += plan.rows_per_chunk())
//     EVGEN_ASSIGN_OR_RETURN(Table t, plan.Rows(b, std::min(plan.n(), b + plan.rows_per_chunk())));
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/models/model.h"
#include "core/sampling/dataset_query.h"
#include "core/sampling/sample_batcher.h"
#include "core/sampling/sample_rows.h"
#include "core/store/dataset_store.h"
#include "core/store/model_store.h"

namespace evgen {

// ConditionsModel names a stored unconditional model whose samples are the
// conditions: jets from nothing in two stages, a flow drawing each jet's pT
// and mass and a given-jet cloud model its constituents. It draws n rows
// with the seed DeriveSeed(seed, kConditionsStageLabel)
// (core/models/conditions_stage.h), on the request's device in float32. A
// jet-cloud model with a jet stage does the same in one model.
struct ConditionsModel {
  std::string model;
  int version = 0;  // 0: the latest
};

struct SampleSpec {
  std::string model;
  int version = 0;  // 0: the latest
  int64_t n = 0;
  uint64_t seed = 0;
  // At most one of these; neither for an unconditional model.
  std::optional<Table> conditions_table;
  std::optional<DatasetQuery> conditions_from;
  std::optional<ConditionsModel> conditions_model;
  std::vector<std::string> keep_columns;
  bool refuse_out_of_range = false;
  // Adds a last column "log_density", log p(x | c) of every generated row
  // under the model (models with a density only), for importance weights
  // and unweighting without a second call.
  bool with_log_density = false;
  // Where the model's networks run ("", "auto", "cpu" or "cuda") and in
  // which precision ("" or "fp32", "bf16", "fp16"; Model::ForInference).
  // Float32 on the CPU gives the stored model's bytes; another target gives
  // its own, reproducible on that target.
  std::string device;
  std::string precision;
  // Bytes of float32 values one chunk may hold (the transport's bound); 0:
  // one chunk of all n rows.
  int64_t chunk_value_bytes = 0;
  // The request's name for the conditions in messages; "" for the defaults
  // "conditions_table" and "conditions_from".
  std::string conditions_field;
};

// SampleChunkRows is how many rows of `columns` float32 values one chunk of
// chunk_value_bytes takes (at least 1; all n when the bound is 0), cut down
// to whole sampling blocks of the model when a chunk holds one.
int64_t SampleChunkRows(const Model& model, int columns, int64_t chunk_value_bytes, int64_t n);

class SamplePlan {
 public:
  const ModelRecord& record() const { return record_; }
  int64_t n() const { return n_; }
  int64_t rows_per_chunk() const { return rows_per_chunk_; }
  // The output's columns: the model's conditions, its targets, the kept
  // ones, and log_density when asked for.
  int num_columns() const;
  const ConditionReport& condition_report() const { return report_; }
  // The version of SampleSpec.conditions_model that drew the conditions; 0
  // without one.
  int conditions_model_version() const { return conditions_model_version_; }
  // What the check of a reduced-precision copy found (SampleSpec.precision);
  // empty for float32.
  InferenceCheck inference_check() const { return model_->inference_check(); }

  // output_rows is the number of rows the whole sample has: n, or for a set
  // model (Model::samples_sets, where n counts sets) the sum of the sets'
  // sizes, which the plan finds from the model's sizes stage.
  int64_t output_rows() const { return output_rows_; }
  // OutputRowsBefore is the output row at which sample row (set) `row`
  // starts, for a stream's chunk positions; row itself for a model of rows.
  [[nodiscard]] absl::StatusOr<int64_t> OutputRowsBefore(int64_t row) const;

  // Rows returns rows [begin, end) of the sample; may run concurrently.
  [[nodiscard]] absl::StatusOr<Table> Rows(int64_t begin, int64_t end) const;
  // All returns the whole sample in memory (checking the stop scope).
  [[nodiscard]] absl::StatusOr<Table> All() const;

 private:
  friend absl::StatusOr<SamplePlan> PlanSample(const SampleSpec&, ModelStore&, DatasetStore&, SampleBatchers*);

  [[nodiscard]] absl::Status CountOutputRows();

  ModelRecord record_;
  std::shared_ptr<const Model> model_;
  std::shared_ptr<SampleBatcher> batcher_;  // null: every request alone
  std::shared_ptr<const Table> conditions_;  // arranged as SampleRows expects
  ConditionReport report_;
  int conditions_model_version_ = 0;
  int64_t n_ = 0;
  uint64_t seed_ = 0;
  int64_t rows_per_chunk_ = 1;
  bool with_log_density_ = false;
  int64_t output_rows_ = 0;
  // Set models: output rows before each chunk of rows_per_chunk_ sets.
  std::vector<int64_t> rows_before_chunk_;
};

// PlanSample loads the model, resolves and checks the conditions and sizes
// the chunks; a conditions model's rows are drawn here, all n of them in
// memory (n is bounded by the caller, as the server's --max-sample-rows).
// InvalidArgument naming the field (n, model, the conditions field,
// keep_columns) for a bad spec, and conditions_model for a conditional
// conditions model or one that does not make the model's condition
// columns; NotFound for an unknown model or dataset; FailedPrecondition
// for with_log_density and a model without a density; the conditions'
// out-of-range rows are counted, or refused with refuse_out_of_range.
// With `batchers`, concurrent plans of one model share forward passes
// (sample_batcher.h); the rows are the same bytes either way.
[[nodiscard]] absl::StatusOr<SamplePlan> PlanSample(const SampleSpec& spec, ModelStore& models,
                                                    DatasetStore& datasets, SampleBatchers* batchers = nullptr);

}  // namespace evgen
