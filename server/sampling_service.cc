#include "server/sampling_service.h"

#include <algorithm>
#include <memory>

#include "core/data/device.h"
#include "core/sampling/sample_plan.h"
#include "core/sampling/unweight.h"
#include "core/status_macros.h"
#include "server/convert.h"
#include "server/density_reactor.h"
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
  EVGEN_ASSIGN_OR_RETURN(int64_t chunk_bytes, CheckChunkBytes(state, request.max_chunk_bytes()));
  EVGEN_ASSIGN_OR_RETURN(SampleSpec spec, FromProto(request));
  spec.chunk_value_bytes = chunk_bytes - kChunkOverheadBytes;
  EVGEN_ASSIGN_OR_RETURN(SamplePlan sample, PlanSample(spec, state.models, state.datasets, &state.batchers));
  auto plan = std::make_shared<const SamplePlan>(std::move(sample));
  SamplePlanStream stream;
  stream.total_rows = plan->n();
  stream.rows_per_chunk = plan->rows_per_chunk();
  // Chunks are independent, so one stream may fill the compute slots, as
  // long as their operations' threads do not outnumber them: two 1-thread
  // passes side by side beat one 2-thread pass, two 2-thread passes on two
  // cores hand work over more than they compute (docs/results.md, issue 15).
  stream.parallel_chunks = std::max(1, state.config.heavy_threads / std::max(1, IntraOpThreads()));
  stream.produce = [plan](int64_t begin, int64_t end) { return plan->Rows(begin, end); };
  telemetry::Counter& events = EventsGenerated(plan->record().name);
  stream.fill = [plan, &events, check = plan->inference_check()](const Table& rows, int64_t begin,
                                                                  v1::SampleChunk* chunk) -> absl::Status {
    // A set model's chunk of sets starts at the output row the plan counted.
    EVGEN_ASSIGN_OR_RETURN(int64_t first_row, plan->OutputRowsBefore(begin));
    events.Increment(static_cast<double>(rows.num_rows()));
    EncodeTable(rows, chunk->mutable_table());
    chunk->mutable_table()->set_first_row(first_row);
    chunk->set_total_rows(plan->output_rows());
    chunk->set_model_version(plan->record().version);
    chunk->set_conditions_out_of_range(plan->condition_report().out_of_range_rows);
    chunk->set_conditions_model_version(plan->conditions_model_version());
    chunk->set_precision_deviation(check.deviation);
    chunk->set_precision_deviation_column(check.column);
    return absl::OkStatus();
  };
  return stream;
}

using UnweightStream = TableStreamPlan<v1::UnweightChunk>;

// PlanUnweight selects the events, lets core unweight them and streams the
// kept rows with the efficiency in every chunk.
absl::StatusOr<UnweightStream> PlanUnweight(ServerState& state, const v1::UnweightRequest& request) {
  EVGEN_ASSIGN_OR_RETURN(int64_t chunk_bytes, CheckChunkBytes(state, request.max_chunk_bytes()));
  if (request.events().dataset().empty()) return absl::InvalidArgumentError("events.dataset: name a stored dataset");
  EVGEN_ASSIGN_OR_RETURN(Table weighted, SelectDataset(state, request.events(), "events"));
  UnweightSpec spec;
  spec.log_target_column = request.log_target_column();
  spec.log_proposal_column = request.log_proposal_column();
  spec.seed = request.seed();
  spec.field = "events";
  EVGEN_ASSIGN_OR_RETURN(UnweightResult result, evgen::Unweight(weighted, spec));
  auto shared = std::make_shared<const UnweightResult>(std::move(result));
  UnweightStream stream;
  stream.total_rows = shared->events.num_rows();
  stream.rows_per_chunk = ChunkRows(shared->events.num_columns(), chunk_bytes);
  stream.produce = [shared](int64_t begin, int64_t end) { return shared->events.SliceRows(begin, end); };
  stream.fill = [shared](const Table& rows, int64_t begin, v1::UnweightChunk* chunk) -> absl::Status {
    EncodeTable(rows, chunk->mutable_table());
    chunk->mutable_table()->set_first_row(begin);
    chunk->set_total_rows(shared->events.num_rows());
    chunk->set_input_rows(shared->input_rows);
    chunk->set_mean_weight(shared->mean_weight);
    chunk->set_max_weight(shared->max_weight);
    chunk->set_efficiency(shared->efficiency);
    return absl::OkStatus();
  };
  return stream;
}

}  // namespace

grpc::ServerWriteReactor<v1::UnweightChunk>* SamplingServiceImpl::Unweight(
    grpc::CallbackServerContext* context, const v1::UnweightRequest* request) {
  if (auto* denied = DenyWrite<v1::UnweightChunk>(*state_, context, Role::kReader, "Unweight")) return denied;
  ServerState* state = state_;
  return StartTableStream<v1::UnweightChunk>(*state, context, "Unweight",
                                             [state, request] { return PlanUnweight(*state, *request); });
}

// FinishedBidiReactor ends a bidi call at once with a refusal.
class FinishedBidiReactor final : public grpc::ServerBidiReactor<v1::DensityRequest, v1::DensityChunk> {
 public:
  explicit FinishedBidiReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

grpc::ServerBidiReactor<v1::DensityRequest, v1::DensityChunk>* SamplingServiceImpl::Density(
    grpc::CallbackServerContext* context) {
  if (absl::Status allowed = Authorize(*state_, *context, Role::kReader, "Density"); !allowed.ok()) {
    return new FinishedBidiReactor(ToGrpcStatus(allowed));
  }
  absl::StatusOr<std::shared_ptr<AdmissionGate::Ticket>> ticket = state_->heavy_gate.Enter("Density");
  if (!ticket.ok()) return new FinishedBidiReactor(ToGrpcStatus(ticket.status()));
  return new DensityReactor(state_, *std::move(ticket));
}

grpc::ServerWriteReactor<v1::SampleChunk>* SamplingServiceImpl::Sample(
    grpc::CallbackServerContext* context, const v1::SampleRequest* request) {
  if (auto* denied = DenyWrite<v1::SampleChunk>(*state_, context, Role::kReader, "Sample")) return denied;
  ServerState* state = state_;
  return StartTableStream<v1::SampleChunk>(
      *state, context, "Sample", [state, request] { return PlanStream(*state, *request); }, &state->sample_pool);
}

}  // namespace evgen
