// evgen_client.h: EvgenClient, the C++ client of evgend.
//
// A thin, synchronous wrapper over the evgen.v1 stubs: one method per RPC,
// gRPC errors returned as absl::Status with the server's code and message.
// Streams are consumed through callbacks so a caller never holds more than
// one chunk. It links protobuf, gRPC and evgen_io, never LibTorch.
//
// Example:
//   EvgenClient client("127.0.0.1:50051");
//   v1::SampleRequest req; req.set_model("qcd-templates"); req.set_n(1000000);
//   EVGEN_RETURN_IF_ERROR(client.SampleToFile(req, "masses.npy"));
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "evgen/v1/dataset_service.grpc.pb.h"
#include "evgen/v1/metrics_service.grpc.pb.h"
#include "evgen/v1/model_service.grpc.pb.h"
#include "evgen/v1/sampling_service.grpc.pb.h"
#include "evgen/v1/training_service.grpc.pb.h"

namespace evgen {

// OutputFile names where a streamed table goes and in which format ("" takes
// it from the extension) with the format's writer options.
struct OutputFile {
  std::string path;
  std::string format;
  std::map<std::string, std::string> options;
};

struct ClientOptions {
  // Deadline of each unary call; streams (watch, sample) have none.
  std::chrono::seconds call_timeout{600};
  // Largest message the client accepts (sample chunks are far smaller).
  int max_receive_bytes = 64 << 20;
  // Bearer token sent with every call ("authorization" metadata) to a server
  // run with --auth-tokens; "" sends none.
  std::string token;
  // TLS: with tls_root_pem (the CA that signed the server's certificate) the
  // channel uses TLS; with tls_cert_pem and tls_key_pem as well it presents a
  // client certificate (a server run with --tls-client-ca needs one). PEM
  // contents, not paths.
  std::string tls_root_pem;
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

class EvgenClient {
 public:
  explicit EvgenClient(const std::string& target, ClientOptions options = {});

  // WaitForReady blocks until the server answers or `timeout` passes.
  [[nodiscard]] absl::Status WaitForReady(std::chrono::milliseconds timeout);
  // Health asks grpc.health.v1.Health/Check about `service` ("" for the
  // server as a whole) and returns the status' name: SERVING, NOT_SERVING,
  // UNKNOWN or SERVICE_UNKNOWN. Health checks need no token.
  [[nodiscard]] absl::StatusOr<std::string> Health(const std::string& service);

  [[nodiscard]] absl::StatusOr<v1::Dataset> GenerateReference(const v1::GenerateReferenceRequest& r);
  [[nodiscard]] absl::StatusOr<v1::ListReferenceSimulatorsResponse> ListReferenceSimulators();
  [[nodiscard]] absl::StatusOr<v1::ListDatasetsResponse> ListDatasets();
  [[nodiscard]] absl::StatusOr<v1::Dataset> DescribeDataset(const std::string& name);
  [[nodiscard]] absl::Status DeleteDataset(const std::string& name);
  // DeriveDataset stores derived columns and a selection of a dataset as a new one.
  [[nodiscard]] absl::StatusOr<v1::Dataset> DeriveDataset(const v1::DeriveDatasetRequest& r);
  // UploadFile streams the file at `path` in 1 MiB messages; header's
  // total_bytes and file_name are filled in here. on_progress, when set, is
  // called after each message with the bytes sent and the file's size.
  using UploadProgress = std::function<void(int64_t sent, int64_t total)>;
  [[nodiscard]] absl::StatusOr<v1::Dataset> UploadFile(const std::string& path, v1::UploadHeader header,
                                                       const UploadProgress& on_progress = nullptr);
  // ExportDataset streams a dataset's rows to on_chunk.
  [[nodiscard]] absl::Status ExportDataset(const v1::ExportDatasetRequest& r,
                                           const std::function<absl::Status(const v1::DatasetChunk&)>& on_chunk);

  [[nodiscard]] absl::StatusOr<v1::Job> SubmitTraining(const v1::SubmitTrainingRequest& r);
  [[nodiscard]] absl::StatusOr<v1::Job> GetJob(const std::string& id);
  [[nodiscard]] absl::StatusOr<v1::ListJobsResponse> ListJobs();
  [[nodiscard]] absl::StatusOr<v1::Job> CancelJob(const std::string& id);
  // ResumeJob queues an interrupted or cancelled job again under its id.
  [[nodiscard]] absl::StatusOr<v1::Job> ResumeJob(const std::string& id);
  // WatchJob calls on_update for each change and returns the final record.
  [[nodiscard]] absl::StatusOr<v1::Job> WatchJob(const std::string& id,
                                                 const std::function<void(const v1::Job&)>& on_update);

  [[nodiscard]] absl::StatusOr<v1::ListModelsResponse> ListModels(const std::string& name);
  [[nodiscard]] absl::StatusOr<v1::Model> GetModel(const std::string& name, int version);
  [[nodiscard]] absl::Status DeleteModel(const std::string& name, int version);
  [[nodiscard]] absl::StatusOr<v1::ListPresetsResponse> ListPresets();

  // Sample streams chunks to on_chunk; an error from on_chunk cancels the
  // stream and is returned.
  [[nodiscard]] absl::Status Sample(const v1::SampleRequest& r,
                                    const std::function<absl::Status(const v1::SampleChunk&)>& on_chunk);
  // SampleToFile writes the stream to a file in any format of
  // StreamingTableWriter (npy, csv, hdf5, jetnet, lhe, hepmc3), chunk by chunk as it
  // arrives, so memory does not grow with the rows; the file is published
  // atomically: on any error no file (and no partial file) is left.
  // *summary, when given, receives the last chunk without its table: the
  // rows, the model version, the rows whose conditions lie outside the
  // model's training range, a reduced precision's check. on_progress, when
  // set, is called after each chunk is written with the rows written and the
  // total.
  using RowProgress = std::function<void(int64_t written, int64_t total)>;
  [[nodiscard]] absl::Status SampleToFile(const v1::SampleRequest& r, const OutputFile& out,
                                          v1::SampleChunk* summary = nullptr,
                                          const RowProgress& on_progress = nullptr);
  // Density streams `events` to the server in chunks of at most
  // rows_per_chunk rows and returns log p(x | c) of every row, in order.
  [[nodiscard]] absl::StatusOr<std::vector<double>> Density(const std::string& model, int version,
                                                            const Table& events, int64_t rows_per_chunk = 65536);
  // Unweight streams the kept events of a weighted dataset to on_chunk.
  [[nodiscard]] absl::Status Unweight(const v1::UnweightRequest& r,
                                      const std::function<absl::Status(const v1::UnweightChunk&)>& on_chunk);
  // UnweightToFile writes the kept events to a file (as SampleToFile) and
  // fills `summary` (its table empty) with the efficiency and weights.
  [[nodiscard]] absl::Status UnweightToFile(const v1::UnweightRequest& r, const OutputFile& out,
                                            v1::UnweightChunk* summary);
  // ExportToFile writes a dataset (or a region or columns of it) to a file.
  [[nodiscard]] absl::Status ExportToFile(const v1::ExportDatasetRequest& r, const OutputFile& out);

  [[nodiscard]] absl::StatusOr<v1::CompareResponse> Compare(const v1::CompareRequest& r);
  [[nodiscard]] absl::StatusOr<v1::CompareResponse> EvaluateModel(const v1::EvaluateModelRequest& r);
  [[nodiscard]] absl::StatusOr<v1::ListMetricsResponse> ListMetrics();

 private:
  void SetDeadline(grpc::ClientContext* context) const;
  void AddToken(grpc::ClientContext* context) const;

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DatasetService::Stub> datasets_;
  std::unique_ptr<v1::TrainingService::Stub> training_;
  std::unique_ptr<v1::ModelService::Stub> models_;
  std::unique_ptr<v1::SamplingService::Stub> sampling_;
  std::unique_ptr<v1::MetricsService::Stub> metrics_;
};

}  // namespace evgen
