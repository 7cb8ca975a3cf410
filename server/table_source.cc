#include "server/table_source.h"

#include "absl/strings/str_cat.h"
#include "core/sampling/dataset_query.h"
#include "core/sampling/sample_plan.h"
#include "core/status_macros.h"
#include "server/convert.h"
#include "server/table_stream_reactor.h"
#include "wire/table_codec.h"

namespace evgen {

absl::StatusOr<Table> SelectDataset(ServerState& state, const v1::DatasetSelection& selection,
                                    const std::string& field) {
  return evgen::SelectDataset(state.datasets, QueryOf(selection), field);
}

absl::StatusOr<int64_t> CheckChunkBytes(const ServerState& state, int64_t requested) {
  const int64_t bytes = requested == 0 ? state.config.default_chunk_bytes : requested;
  const int64_t lowest = 2 * kChunkOverheadBytes;
  if (bytes < lowest || bytes > state.config.max_chunk_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("max_chunk_bytes: must be 0 (1 MiB) or in [", lowest,
                                                   ", ", state.config.max_chunk_bytes, "], got ",
                                                   requested));
  }
  return bytes;
}

absl::Status CheckSampleCount(const ServerState& state, int64_t n, const std::string& field) {
  if (n <= 0 || n > state.config.max_sample_rows) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be in [1, ",
                                                   state.config.max_sample_rows, "], got ", n));
  }
  return absl::OkStatus();
}

absl::Status CheckMetricRows(const ServerState& state, int64_t rows, const std::string& field) {
  if (rows > state.config.max_metric_rows) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", rows, " rows exceed the server's limit for a metric input (--max-metric-rows ",
        state.config.max_metric_rows, "); ask for fewer (max_rows, n)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Table> GenerateSamples(ServerState& state, const v1::ModelSamples& samples,
                                      const std::string& field, int64_t* out_of_range) {
  EVGEN_RETURN_IF_ERROR(CheckSampleCount(state, samples.n(), field + ".n"));
  EVGEN_RETURN_IF_ERROR(CheckMetricRows(state, samples.n(), field + ".n"));
  EVGEN_ASSIGN_OR_RETURN(SamplePlan plan, PlanSample(FromProto(samples, field), state.models, state.datasets));
  if (out_of_range != nullptr) *out_of_range += plan.condition_report().out_of_range_rows;
  return plan.All();
}

absl::StatusOr<Table> ResolveTableSource(ServerState& state, const v1::TableSource& source,
                                         const std::string& field, int64_t* out_of_range) {
  absl::StatusOr<Table> table = absl::InvalidArgumentError(
      absl::StrCat(field, ": set one of dataset, inline_table, model_samples"));
  switch (source.source_case()) {
    case v1::TableSource::kDataset:
      table = SelectDataset(state, source.dataset(), field + ".dataset");
      break;
    case v1::TableSource::kInlineTable:
      table = DecodeTable(source.inline_table(), (field + ".inline_table").c_str());
      break;
    case v1::TableSource::kModelSamples:
      return GenerateSamples(state, source.model_samples(), field + ".model_samples", out_of_range);
    case v1::TableSource::SOURCE_NOT_SET:
      break;
  }
  if (table.ok()) EVGEN_RETURN_IF_ERROR(CheckMetricRows(state, table->num_rows(), field));
  return table;
}

}  // namespace evgen
