#include "server/sampling_service.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "core/data/device.h"
#include "core/models/sample_rows.h"
#include "core/status_macros.h"
#include "server/table_source.h"
#include "server/table_stream_reactor.h"

namespace evgen {
namespace {

absl::StatusOr<Table> RequestedConditions(ServerState& state, const v1::SampleRequest& request,
                                          const Model& model) {
  switch (request.conditions_case()) {
    case v1::SampleRequest::kConditionsTable:
      return DecodeTable(request.conditions_table(), "conditions_table");
    case v1::SampleRequest::kConditionsFrom:
      return SelectDataset(state, request.conditions_from(), "conditions_from");
    case v1::SampleRequest::CONDITIONS_NOT_SET:
      break;
  }
  if (!model.condition_columns().empty()) {
    return absl::InvalidArgumentError(
        "conditions: the model is conditional; set conditions_table or conditions_from");
  }
  return Table();
}

absl::StatusOr<TableStreamPlan> PlanSample(ServerState& state, const v1::SampleRequest& request) {
  EVGEN_RETURN_IF_ERROR(CheckSampleCount(state, request.n(), "n"));
  // Sampling runs where the model lives; the field is still checked, so a
  // request for a device this server lacks fails instead of running elsewhere.
  EVGEN_RETURN_IF_ERROR(ResolveDevice(request.device()).status());
  EVGEN_ASSIGN_OR_RETURN(int64_t chunk_bytes, CheckChunkBytes(state, request.max_chunk_bytes()));
  EVGEN_ASSIGN_OR_RETURN(LoadedModel loaded, LoadModel(state, request.model(), request.version()));
  EVGEN_ASSIGN_OR_RETURN(Table given, RequestedConditions(state, request, *loaded.model));
  const char* field = request.has_conditions_table() ? "conditions_table" : "conditions_from";
  EVGEN_ASSIGN_OR_RETURN(Table conditions,
                         ConditionsFor(*loaded.model, given, request.keep_columns(), field));
  EVGEN_ASSIGN_OR_RETURN(ConditionReport report,
                         CheckConditionValues(*loaded.model, conditions, request.n(),
                                              request.refuse_out_of_range(), field));
  const int columns =
      conditions.num_columns() + static_cast<int>(loaded.model->target_columns().size());
  auto shared_conditions = std::make_shared<const Table>(std::move(conditions));
  TableStreamPlan plan;
  plan.total_rows = request.n();
  plan.rows_per_chunk = ChunkRows(columns, chunk_bytes);
  const uint64_t seed = request.seed();
  plan.produce = [model = loaded.model, shared_conditions, seed](int64_t begin, int64_t end) {
    return SampleRows(*model, *shared_conditions, begin, end, seed);
  };
  const int version = loaded.record.version;
  const int64_t total = request.n();
  const int64_t out_of_range = report.out_of_range_rows;
  plan.fill = [version, total, out_of_range](const Table& rows, int64_t begin, void* message) {
    auto* chunk = static_cast<v1::SampleChunk*>(message);
    EncodeTable(rows, chunk->mutable_table());
    chunk->mutable_table()->set_first_row(begin);
    chunk->set_total_rows(total);
    chunk->set_model_version(version);
    chunk->set_conditions_out_of_range(out_of_range);
  };
  return plan;
}

}  // namespace

grpc::ServerWriteReactor<v1::SampleChunk>* SamplingServiceImpl::Sample(
    grpc::CallbackServerContext* context, const v1::SampleRequest* request) {
  ServerState* state = state_;
  return StartTableStream<v1::SampleChunk>(*state, context, "Sample",
                                           [state, request] { return PlanSample(*state, *request); });
}

}  // namespace evgen
