#include "server/upload_reactor.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/io/isolated_reader.h"
#include "core/io/table_file.h"
#include "core/status_macros.h"
#include "core/store/names.h"
#include "server/convert.h"
#include "server/reactors.h"
#include "wire/table_codec.h"

namespace evgen {
namespace {

std::string StagingName() {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(".staging-upload-", ::getpid(), "-", counter.fetch_add(1));
}

}  // namespace

UploadReactor::UploadReactor(ServerState* state, grpc::CallbackServerContext* context,
                             v1::Dataset* response)
    : state_(state), context_(context), response_(response) {
  StartRead(&request_);
}

absl::Status UploadReactor::StartFile(const v1::UploadHeader& header) {
  EVGEN_RETURN_IF_ERROR(ValidateName("header.name", header.name()));
  // An empty file is the user's mistake far more often than a client's, so
  // it is named as such.
  if (header.total_bytes() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        EchoValue(header.file_name().empty() ? "the upload" : header.file_name()),
        ": empty file (0 bytes); nothing to read"));
  }
  if (header.total_bytes() < 0 || header.total_bytes() > state_->config.max_upload_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "header.total_bytes: must be the file size, in [1, ", state_->config.max_upload_bytes,
        "], got ", header.total_bytes()));
  }
  EVGEN_RETURN_IF_ERROR(CheckTableFormat(header.format()));
  EVGEN_ASSIGN_OR_RETURN(ticket_, state_->heavy_gate.Enter("UploadDataset"));
  if (state_->datasets.Describe(header.name()).ok()) {
    return absl::AlreadyExistsError(absl::StrCat("header.name: dataset '", header.name(),
                                                 "' already exists; delete it or choose another name"));
  }
  header_ = header;
  have_header_ = true;
  staging_path_ = absl::StrCat(state_->config.data_dir, "/uploads/", StagingName());
  file_ = std::fopen(staging_path_.c_str(), "wb");
  if (file_ == nullptr) {
    // The path is the server's business; the client learns what to do.
    return absl::UnavailableError("the server cannot stage uploads (its data directory is not writable)");
  }
  return absl::OkStatus();
}

absl::Status UploadReactor::Consume() {
  if (request_.has_header()) {
    if (have_header_) return absl::InvalidArgumentError("header: sent twice; only the first message is a header");
    return StartFile(request_.header());
  }
  if (!have_header_) return absl::InvalidArgumentError("header: the first message must be the upload header");
  const std::string& data = request_.data();
  received_ += static_cast<int64_t>(data.size());
  if (received_ > header_.total_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat("data: more than header.total_bytes = ",
                                                   header_.total_bytes(), " bytes were sent"));
  }
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
    return absl::ResourceExhaustedError("data: the server could not store the upload (disk full?)");
  }
  return absl::OkStatus();
}

void UploadReactor::OnReadDone(bool ok) {
  if (ok) {
    absl::Status status = Consume();
    if (!status.ok()) {
      Cleanup();
      return Finish(ToGrpcStatus(status));
    }
    return StartRead(&request_);
  }
  // The client half-closed, or the call broke: tell them apart by the byte
  // count the header promised and by the call's cancellation.
  if (context_->IsCancelled()) {
    Cleanup();
    return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "upload cancelled; nothing was stored"));
  }
  if (!have_header_) {
    return Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               "header: the first message must be the upload header"));
  }
  if (received_ != header_.total_bytes()) {
    Cleanup();
    return Finish(grpc::Status(grpc::StatusCode::DATA_LOSS,
                               absl::StrCat("data: the upload ended after ", received_, " of ",
                                            header_.total_bytes(), " bytes; nothing was stored")));
  }
  std::fclose(file_);
  file_ = nullptr;
  state_->heavy_pool.Schedule([this] {
    StopScope scope(CallStopCheck(context_));
    const absl::Status status = UserFacing(Guarded([this] { return Complete(); }));
    Cleanup();
    Finish(ToGrpcStatus(status));
  });
}

absl::StatusOr<Table> UploadReactor::ReadUpload(const std::string& format,
                                                const std::map<std::string, std::string>& options) const {
  if (!NeedsIsolation(format)) return ReadTableFile(staging_path_, format, options);
  IsolatedParseOptions isolation;
  isolation.helper = state_->config.parse_helper;
  isolation.scratch_dir = state_->config.data_dir + "/uploads";
  // Room for the table, libhdf5's own buffers and a margin; a file that
  // makes the library ask for far more is refused.
  isolation.memory_limit_bytes = std::max<int64_t>(int64_t{2} << 30, 4 * header_.total_bytes());
  isolation.stop = [] { return CheckStop(); };
  return ReadTableFileIsolated(staging_path_, format, options, isolation);
}

absl::Status UploadReactor::Complete() {
  const std::map<std::string, std::string> options(header_.options().begin(), header_.options().end());
  EVGEN_ASSIGN_OR_RETURN(
      const std::string format,
      ResolveTableFormat(header_.format(), header_.file_name(), staging_path_));
  EVGEN_ASSIGN_OR_RETURN(Table table, ReadUpload(format, options));
  if (context_->IsCancelled()) return absl::CancelledError("upload cancelled; nothing was stored");
  const std::string source =
      absl::StrCat("upload:", header_.file_name().empty() ? format : header_.file_name());
  absl::StatusOr<DatasetInfo> info = state_->datasets.Put(header_.name(), std::move(table), source, 0);
  if (!info.ok()) {
    // Say which upload the table came from (e.g. duplicate columns).
    return absl::Status(info.status().code(),
                        absl::StrCat(header_.file_name().empty() ? format : header_.file_name(), ": ",
                                     info.status().message()));
  }
  ToProto(*info, response_);
  return absl::OkStatus();
}

absl::Status UploadReactor::UserFacing(const absl::Status& status) const {
  if (status.ok() || staging_path_.empty()) return status;
  const std::string shown = header_.file_name().empty() ? "the uploaded file" : header_.file_name();
  return absl::Status(status.code(), absl::StrReplaceAll(status.message(), {{staging_path_, shown}}));
}

void UploadReactor::Cleanup() {
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  if (!staging_path_.empty()) {
    std::error_code ec;
    std::filesystem::remove(staging_path_, ec);
    staging_path_.clear();
  }
}

void UploadReactor::OnDone() {
  Cleanup();
  delete this;
}

}  // namespace evgen
