// upload_reactor.h: UploadReactor, the server side of DatasetService.Upload.
//
// The first message is the header (name, format, options, total_bytes); the
// rest carry the file's bytes, appended to a hidden staging file under
// <data-dir>/uploads. Only when the client half-closes after exactly
// total_bytes is the file parsed (on the pool) and the dataset published in
// one rename. A cut-off, cancelled or invalid upload deletes the staging file
// and leaves no dataset behind. An upload is a heavy call: it takes its place
// in the server's gate with the header and is parsed on the heavy pool.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/read_report.h"
#include "core/io/table.h"
#include "evgen/v1/dataset_service.grpc.pb.h"
#include "server/server_state.h"

namespace evgen {

class UploadReactor final : public grpc::ServerReadReactor<v1::UploadDatasetRequest> {
 public:
  UploadReactor(ServerState* state, grpc::CallbackServerContext* context, v1::Dataset* response);

  void OnReadDone(bool ok) override;
  void OnDone() override;

 private:
  [[nodiscard]] absl::Status Consume();
  [[nodiscard]] absl::Status StartFile(const v1::UploadHeader& header);
  // Complete parses the staged file and stores the dataset (on the pool).
  [[nodiscard]] absl::Status Complete();
  // ReadUpload parses the staged file; HDF5-based formats in a child process.
  [[nodiscard]] absl::StatusOr<Table> ReadUpload(const std::string& format,
                                   const std::map<std::string, std::string>& options,
                                   ReadReport* report) const;
  // UserFacing replaces the staging file's path in `status` by the user's
  // file name: errors must name the user's file, never a server path.
  [[nodiscard]] absl::Status UserFacing(const absl::Status& status) const;
  void Cleanup();

  ServerState* state_;
  grpc::CallbackServerContext* context_;
  v1::Dataset* response_;
  v1::UploadDatasetRequest request_;
  v1::UploadHeader header_;
  bool have_header_ = false;
  std::shared_ptr<AdmissionGate::Ticket> ticket_;  // uploads are heavy calls
  std::string staging_path_;
  std::FILE* file_ = nullptr;
  int64_t received_ = 0;
};

}  // namespace evgen
