#include "server/sampling_service.h"

#include <memory>

#include "core/data/device.h"
#include "core/sampling/sample_plan.h"
#include "core/status_macros.h"
#include "server/convert.h"
#include "server/server_telemetry.h"
#include "server/table_source.h"
#include "server/table_stream_reactor.h"
#include "server/authorize.h"

namespace evgen {
namespace {

using SamplePlanStream = TableStreamPlan<v1::SampleChunk>;

// PlanStream converts the request once, lets core plan the sample and
// streams its rows in chunks of the requested size.
absl::StatusOr<SamplePlanStream> PlanStream(ServerState& state, const v1::SampleRequest& request) {
  EVGEN_RETURN_IF_ERROR(CheckSampleCount(state, request.n(), "n"));
  // Sampling runs where the model lives; the field is still checked, so a
  // request for a device this server lacks fails instead of running elsewhere.
  EVGEN_RETURN_IF_ERROR(ResolveDevice(request.device()).status());
  EVGEN_ASSIGN_OR_RETURN(int64_t chunk_bytes, CheckChunkBytes(state, request.max_chunk_bytes()));
  EVGEN_ASSIGN_OR_RETURN(SampleSpec spec, FromProto(request));
  spec.chunk_value_bytes = chunk_bytes - kChunkOverheadBytes;
  EVGEN_ASSIGN_OR_RETURN(SamplePlan sample, PlanSample(spec, state.models, state.datasets, &state.batchers));
  auto plan = std::make_shared<const SamplePlan>(std::move(sample));
  SamplePlanStream stream;
  stream.total_rows = plan->n();
  stream.rows_per_chunk = plan->rows_per_chunk();
  stream.produce = [plan](int64_t begin, int64_t end) { return plan->Rows(begin, end); };
  telemetry::Counter& events = EventsGenerated(plan->record().name);
  stream.fill = [plan, &events](const Table& rows, int64_t begin, v1::SampleChunk* chunk) {
    events.Increment(static_cast<double>(rows.num_rows()));
    EncodeTable(rows, chunk->mutable_table());
    chunk->mutable_table()->set_first_row(begin);
    chunk->set_total_rows(plan->n());
    chunk->set_model_version(plan->record().version);
    chunk->set_conditions_out_of_range(plan->condition_report().out_of_range_rows);
  };
  return stream;
}

}  // namespace

grpc::ServerWriteReactor<v1::SampleChunk>* SamplingServiceImpl::Sample(
    grpc::CallbackServerContext* context, const v1::SampleRequest* request) {
  if (auto* denied = DenyWrite<v1::SampleChunk>(*state_, context, Role::kReader, "Sample")) return denied;
  ServerState* state = state_;
  return StartTableStream<v1::SampleChunk>(
      *state, context, "Sample", [state, request] { return PlanStream(*state, *request); }, &state->sample_pool);
}

}  // namespace evgen
