#include "server/sampling_service.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "core/models/sample_rows.h"
#include "core/status_macros.h"
#include "server/table_source.h"
#include "wire/table_codec.h"

namespace evgen {
namespace {

// Room left in each message for the column names and field tags, so a chunk
// whose values fill max_chunk_bytes still serialises under that bound.
constexpr int64_t kChunkOverheadBytes = 4096;

// SampleReactor: Prepare() then one ProduceNext() per chunk, each on the
// pool; a chunk is produced only after the previous write completed, so at
// most one chunk exists at a time. Each pool task ends with StartWrite or
// Finish and touches nothing after it: from then on gRPC may call OnDone.
class SampleReactor final : public grpc::ServerWriteReactor<v1::SampleChunk> {
 public:
  SampleReactor(ServerState* state, const v1::SampleRequest* request)
      : state_(state), request_(request) {
    state_->pool.Schedule([this] { Prepare(); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    if (next_row_ >= request_->n()) return Finish(grpc::Status::OK);
    state_->pool.Schedule([this] { ProduceNext(); });
  }

  void OnCancel() override { cancelled_ = true; }
  void OnDone() override { delete this; }

 private:
  absl::Status Setup() {
    EVGEN_RETURN_IF_ERROR(CheckSampleCount(*state_, request_->n(), "n"));
    const int64_t chunk_bytes =
        request_->max_chunk_bytes() == 0 ? state_->config.default_chunk_bytes : request_->max_chunk_bytes();
    if (chunk_bytes < 2 * kChunkOverheadBytes || chunk_bytes > state_->config.max_chunk_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("max_chunk_bytes: must be 0 (1 MiB) or in [",
                                                     2 * kChunkOverheadBytes, ", ",
                                                     state_->config.max_chunk_bytes, "], got ",
                                                     request_->max_chunk_bytes()));
    }
    EVGEN_ASSIGN_OR_RETURN(model_, LoadModel(*state_, request_->model(), request_->version()));
    Table given;
    switch (request_->conditions_case()) {
      case v1::SampleRequest::kConditionsTable: {
        EVGEN_ASSIGN_OR_RETURN(given, DecodeTable(request_->conditions_table(), "conditions_table"));
        break;
      }
      case v1::SampleRequest::kConditionsFrom: {
        EVGEN_ASSIGN_OR_RETURN(given, SelectDataset(*state_, request_->conditions_from(), "conditions_from"));
        break;
      }
      case v1::SampleRequest::CONDITIONS_NOT_SET:
        if (!model_.model->condition_columns().empty()) {
          return absl::InvalidArgumentError(
              "conditions: the model is conditional; set conditions_table or conditions_from");
        }
    }
    const char* field = request_->has_conditions_table() ? "conditions_table" : "conditions_from";
    EVGEN_ASSIGN_OR_RETURN(conditions_,
                           ConditionsFor(*model_.model, given, request_->keep_columns(), field));
    const int columns = conditions_.num_columns() +
                        static_cast<int>(model_.model->target_columns().size());
    rows_per_chunk_ = RowsPerChunk(columns, chunk_bytes - kChunkOverheadBytes);
    return absl::OkStatus();
  }

  void Prepare() {
    absl::Status status = Setup();
    if (!status.ok()) return Finish(ToGrpcStatus(status));
    ProduceNext();
  }

  void ProduceNext() {
    if (cancelled_) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "sample cancelled"));
    const int64_t end = std::min(request_->n(), next_row_ + rows_per_chunk_);
    absl::StatusOr<Table> rows =
        SampleRows(*model_.model, conditions_, next_row_, end, request_->seed());
    if (!rows.ok()) return Finish(ToGrpcStatus(rows.status()));
    EncodeTable(*rows, chunk_.mutable_table());
    chunk_.mutable_table()->set_first_row(next_row_);
    chunk_.set_total_rows(request_->n());
    chunk_.set_model_version(model_.record.version);
    next_row_ = end;
    StartWrite(&chunk_);
  }

  ServerState* state_;
  const v1::SampleRequest* request_;
  LoadedModel model_;
  Table conditions_;
  int64_t rows_per_chunk_ = 1;
  int64_t next_row_ = 0;
  v1::SampleChunk chunk_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

grpc::ServerWriteReactor<v1::SampleChunk>* SamplingServiceImpl::Sample(
    grpc::CallbackServerContext*, const v1::SampleRequest* request) {
  return new SampleReactor(state_, request);
}

}  // namespace evgen
