#include "server/dataset_service.h"

#include "absl/strings/str_cat.h"
#include "core/physics/reference_simulators.h"
#include "core/status_macros.h"
#include "core/store/names.h"
#include "server/convert.h"
#include "server/authorize.h"
#include "server/reactors.h"
#include "server/table_source.h"
#include "server/table_stream_reactor.h"
#include "server/upload_reactor.h"

namespace evgen {

absl::Status DatasetServiceImpl::Describe(const std::string& name, v1::Dataset* out) {
  EVGEN_ASSIGN_OR_RETURN(DatasetInfo info, state_->datasets.Describe(name));
  ToProto(info, out);
  return absl::OkStatus();
}

grpc::ServerReadReactor<v1::UploadDatasetRequest>* DatasetServiceImpl::UploadDataset(
    grpc::CallbackServerContext* context, v1::Dataset* response) {
  if (auto* denied = DenyRead<v1::UploadDatasetRequest>(*state_, context, Role::kTrainer, "UploadDataset")) return denied;
  return new UploadReactor(state_, context, response);
}

grpc::ServerUnaryReactor* DatasetServiceImpl::GenerateReference(
    grpc::CallbackServerContext* context, const v1::GenerateReferenceRequest* request,
    v1::Dataset* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kTrainer, "GenerateReference")) return denied;
  return RunHeavy(*state_, context, "GenerateReference", [this, request, response]() -> absl::Status {
    EVGEN_RETURN_IF_ERROR(ValidateName("name", request->name()));
    const int64_t limit = state_->config.max_reference_events;
    if (request->n_events() <= 0 || request->n_events() > limit) {
      return absl::InvalidArgumentError(absl::StrCat("n_events: must be in [1, ", limit, "], got ",
                                                     request->n_events()));
    }
    std::map<std::string, double> options(request->options().begin(), request->options().end());
    EVGEN_ASSIGN_OR_RETURN(Table table, evgen::GenerateReference(request->simulator(), request->n_events(),
                                                          request->seed(), options));
    EVGEN_ASSIGN_OR_RETURN(DatasetInfo info,
                           state_->datasets.Put(request->name(), std::move(table),
                                                absl::StrCat("reference:", request->simulator()),
                                                request->seed()));
    ToProto(info, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DatasetServiceImpl::ListReferenceSimulators(
    grpc::CallbackServerContext* context, const v1::ListReferenceSimulatorsRequest*,
    v1::ListReferenceSimulatorsResponse* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "ListReferenceSimulators")) return denied;
  for (const ReferenceSimulatorInfo& info : ReferenceSimulators()) {
    ToProto(info, response->add_simulators());
  }
  return FinishNow(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* DatasetServiceImpl::ListDatasets(grpc::CallbackServerContext* context,
                                                           const v1::ListDatasetsRequest*,
                                                           v1::ListDatasetsResponse* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "ListDatasets")) return denied;
  return RunOnPool(state_->pool, context, [this, response] {
    for (const DatasetInfo& info : state_->datasets.List()) ToProto(info, response->add_datasets());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DatasetServiceImpl::DescribeDataset(
    grpc::CallbackServerContext* context, const v1::DescribeDatasetRequest* request,
    v1::Dataset* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "DescribeDataset")) return denied;
  return RunOnPool(state_->pool, context,
                   [this, request, response] { return Describe(request->name(), response); });
}

grpc::ServerUnaryReactor* DatasetServiceImpl::DeleteDataset(grpc::CallbackServerContext* context,
                                                            const v1::DeleteDatasetRequest* request,
                                                            v1::DeleteDatasetResponse*) {
  if (auto* denied = DenyUnary(*state_, context, Role::kAdmin, "DeleteDataset")) return denied;
  return RunOnPool(state_->pool, context,
                   [this, request] { return state_->datasets.Delete(request->name()); });
}

grpc::ServerWriteReactor<v1::DatasetChunk>* DatasetServiceImpl::ExportDataset(
    grpc::CallbackServerContext* context, const v1::ExportDatasetRequest* request) {
  if (auto* denied = DenyWrite<v1::DatasetChunk>(*state_, context, Role::kReader, "ExportDataset")) return denied;
  ServerState* state = state_;
  return StartTableStream<v1::DatasetChunk>(
      *state, context, "ExportDataset", [state, request]() -> absl::StatusOr<TableStreamPlan<v1::DatasetChunk>> {
        EVGEN_ASSIGN_OR_RETURN(int64_t chunk_bytes, CheckChunkBytes(*state, request->max_chunk_bytes()));
        EVGEN_ASSIGN_OR_RETURN(Table table, SelectDataset(*state, request->selection(), "selection"));
        auto shared = std::make_shared<const Table>(std::move(table));
        TableStreamPlan<v1::DatasetChunk> plan;
        plan.total_rows = shared->num_rows();
        plan.rows_per_chunk = ChunkRows(shared->num_columns(), chunk_bytes);
        plan.produce = [shared](int64_t begin, int64_t end) { return shared->SliceRows(begin, end); };
        const int64_t total = plan.total_rows;
        plan.fill = [total](const Table& rows, int64_t begin, v1::DatasetChunk* chunk) -> absl::Status {
          EncodeTable(rows, chunk->mutable_table());
          chunk->mutable_table()->set_first_row(begin);
          chunk->set_total_rows(total);
          return absl::OkStatus();
        };
        return plan;
      });
}

grpc::ServerUnaryReactor* DatasetServiceImpl::DeriveDataset(grpc::CallbackServerContext* context,
                                                            const v1::DeriveDatasetRequest* request,
                                                            v1::Dataset* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kTrainer, "DeriveDataset")) return denied;
  return RunHeavy(*state_, context, "DeriveDataset", [this, request, response]() -> absl::Status {
    const DeriveDatasetPlan plan = FromProto(*request);
    EVGEN_ASSIGN_OR_RETURN(Table input, SelectDataset(*state_, request->source(), "source"));
    EVGEN_ASSIGN_OR_RETURN(DatasetInfo info, evgen::DeriveDataset(state_->datasets, input, plan));
    ToProto(info, response);
    return absl::OkStatus();
  });
}

}  // namespace evgen
