// dataset_service.h: DatasetServiceImpl, evgen.v1.DatasetService over the
// DatasetStore and the reference simulators.
#pragma once

#include "evgen/v1/dataset_service.grpc.pb.h"
#include "server/server_state.h"

namespace evgen {

class DatasetServiceImpl final : public v1::DatasetService::CallbackService {
 public:
  explicit DatasetServiceImpl(ServerState* state) : state_(state) {}

  grpc::ServerReadReactor<v1::UploadDatasetRequest>* UploadDataset(
      grpc::CallbackServerContext* context, v1::Dataset* response) override;
  grpc::ServerUnaryReactor* GenerateReference(grpc::CallbackServerContext* context,
                                              const v1::GenerateReferenceRequest* request,
                                              v1::Dataset* response) override;
  grpc::ServerUnaryReactor* ListReferenceSimulators(
      grpc::CallbackServerContext* context, const v1::ListReferenceSimulatorsRequest* request,
      v1::ListReferenceSimulatorsResponse* response) override;
  grpc::ServerUnaryReactor* ListDatasets(grpc::CallbackServerContext* context,
                                         const v1::ListDatasetsRequest* request,
                                         v1::ListDatasetsResponse* response) override;
  grpc::ServerUnaryReactor* DescribeDataset(grpc::CallbackServerContext* context,
                                            const v1::DescribeDatasetRequest* request,
                                            v1::Dataset* response) override;
  grpc::ServerUnaryReactor* DeleteDataset(grpc::CallbackServerContext* context,
                                          const v1::DeleteDatasetRequest* request,
                                          v1::DeleteDatasetResponse* response) override;
  grpc::ServerWriteReactor<v1::DatasetChunk>* ExportDataset(
      grpc::CallbackServerContext* context, const v1::ExportDatasetRequest* request) override;
  grpc::ServerUnaryReactor* DeriveDataset(grpc::CallbackServerContext* context,
                                          const v1::DeriveDatasetRequest* request,
                                          v1::Dataset* response) override;

 private:
  // Describe fills `out` with the stored info, rows per region included.
  [[nodiscard]] absl::Status Describe(const std::string& name, v1::Dataset* out);

  ServerState* state_;
};

}  // namespace evgen
