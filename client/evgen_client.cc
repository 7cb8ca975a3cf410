#include "client/evgen_client.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <vector>

#include <cstdio>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/io/npy.h"
#include "core/io/table_file.h"
#include "core/status_macros.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "wire/table_codec.h"

namespace evgen {
namespace {

constexpr size_t kUploadChunkBytes = 1 << 20;

// Call runs one unary RPC and converts its status.
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> Call(
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*), Stub* stub,
    const Request& request, grpc::ClientContext* context) {
  Response response;
  grpc::Status status = (stub->*method)(context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

// ReadStream hands each message of a server stream to on_message; an error
// from it cancels the stream and is what the call returns.
template <typename Message>
absl::Status ReadStream(std::unique_ptr<grpc::ClientReader<Message>> reader, grpc::ClientContext* context,
                        const std::function<absl::Status(const Message&)>& on_message) {
  Message message;
  absl::Status callback_status;
  while (reader->Read(&message)) {
    callback_status = on_message(message);
    if (!callback_status.ok()) {
      context->TryCancel();
      break;
    }
  }
  absl::Status stream_status = FromGrpcStatus(reader->Finish());
  return callback_status.ok() ? stream_status : callback_status;
}

// kStreamWindowBytes is the receive window of each stream: four chunks of
// at most 1 MiB in flight.
constexpr int kStreamWindowBytes = 4 << 20;

}  // namespace

EvgenClient::EvgenClient(const std::string& target, ClientOptions options) : options_(options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options_.max_receive_bytes);
  args.SetMaxSendMessageSize(64 << 20);
  // Streams are read as fast as the caller consumes them (a sample written
  // as LHE: a few MB/s). gRPC's bandwidth-delay probing grows the receive
  // window with every probe, so a slower reader let the server push the
  // stream into this process: 79 MiB peak for 1.2 million LHE events, 39
  // MiB for 300,000. A fixed window bounds what is buffered and still
  // covers 80 MB/s at 50 ms round trips.
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, kStreamWindowBytes);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options_.tls_root_pem.empty()) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = options_.tls_root_pem;
    tls.pem_cert_chain = options_.tls_cert_pem;
    tls.pem_private_key = options_.tls_key_pem;
    credentials = grpc::SslCredentials(tls);
  }
  channel_ = grpc::CreateCustomChannel(target, credentials, args);
  datasets_ = v1::DatasetService::NewStub(channel_);
  training_ = v1::TrainingService::NewStub(channel_);
  models_ = v1::ModelService::NewStub(channel_);
  sampling_ = v1::SamplingService::NewStub(channel_);
  metrics_ = v1::MetricsService::NewStub(channel_);
}

void EvgenClient::AddToken(grpc::ClientContext* context) const {
  if (!options_.token.empty()) context->AddMetadata("authorization", "Bearer " + options_.token);
}

void EvgenClient::SetDeadline(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
}

absl::Status EvgenClient::WaitForReady(std::chrono::milliseconds timeout) {
  if (channel_->WaitForConnected(std::chrono::system_clock::now() + timeout)) return absl::OkStatus();
  return absl::UnavailableError("evgend did not answer in time; is it running at the --server address?");
}

namespace {

// The health messages are encoded by hand: gRPC does not install the
// generated code of health.proto. HealthCheckRequest{string service = 1},
// HealthCheckResponse{ServingStatus status = 1}.
std::string EncodeHealthRequest(const std::string& service) {
  if (service.empty()) return "";
  std::string out = "\x0a";
  for (uint64_t n = service.size(); ; n >>= 7) {
    const bool more = n >= 0x80;
    out.push_back(static_cast<char>((n & 0x7f) | (more ? 0x80 : 0)));
    if (!more) break;
  }
  return out + service;
}

absl::StatusOr<std::string> DecodeHealthResponse(const std::string& bytes) {
  int status = 0;  // proto3 leaves a zero field out: UNKNOWN
  if (bytes.size() == 2 && bytes[0] == 0x08) {
    status = static_cast<unsigned char>(bytes[1]);
  } else if (!bytes.empty()) {
    return absl::InternalError("the server's health reply is not a HealthCheckResponse");
  }
  static const char* const kNames[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
  if (status > 3) return absl::InternalError(absl::StrCat("unknown health status ", status));
  return std::string(kNames[status]);
}

}  // namespace

absl::StatusOr<std::string> EvgenClient::Health(const std::string& service) {
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Slice slice(EncodeHealthRequest(service));
  grpc::ByteBuffer request(&slice, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  if (!status.ok()) return FromGrpcStatus(status);
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return DecodeHealthResponse(bytes);
}

#define EVGEN_UNARY(stub, Method, request)                         \
  grpc::ClientContext context;                                     \
  AddToken(&context);                                              \
  SetDeadline(&context);                                           \
  return Call(&std::remove_reference_t<decltype(*stub)>::Method, stub.get(), request, &context)

absl::StatusOr<v1::Dataset> EvgenClient::GenerateReference(const v1::GenerateReferenceRequest& r) {
  EVGEN_UNARY(datasets_, GenerateReference, r);
}
absl::StatusOr<v1::ListReferenceSimulatorsResponse> EvgenClient::ListReferenceSimulators() {
  EVGEN_UNARY(datasets_, ListReferenceSimulators, v1::ListReferenceSimulatorsRequest());
}
absl::StatusOr<v1::Dataset> EvgenClient::DeriveDataset(const v1::DeriveDatasetRequest& r) {
  EVGEN_UNARY(datasets_, DeriveDataset, r);
}
absl::StatusOr<v1::ListDatasetsResponse> EvgenClient::ListDatasets() {
  EVGEN_UNARY(datasets_, ListDatasets, v1::ListDatasetsRequest());
}
absl::StatusOr<v1::Dataset> EvgenClient::DescribeDataset(const std::string& name) {
  v1::DescribeDatasetRequest r;
  r.set_name(name);
  EVGEN_UNARY(datasets_, DescribeDataset, r);
}
absl::Status EvgenClient::DeleteDataset(const std::string& name) {
  v1::DeleteDatasetRequest r;
  r.set_name(name);
  grpc::ClientContext context;
  AddToken(&context);
  SetDeadline(&context);
  return Call(&v1::DatasetService::Stub::DeleteDataset, datasets_.get(), r, &context).status();
}
absl::StatusOr<v1::Job> EvgenClient::SubmitTraining(const v1::SubmitTrainingRequest& r) {
  EVGEN_UNARY(training_, SubmitTraining, r);
}
absl::StatusOr<v1::Job> EvgenClient::GetJob(const std::string& id) {
  v1::GetJobRequest r;
  r.set_id(id);
  EVGEN_UNARY(training_, GetJob, r);
}
absl::StatusOr<v1::ListJobsResponse> EvgenClient::ListJobs() {
  EVGEN_UNARY(training_, ListJobs, v1::ListJobsRequest());
}
absl::StatusOr<v1::Job> EvgenClient::CancelJob(const std::string& id) {
  v1::CancelJobRequest r;
  r.set_id(id);
  EVGEN_UNARY(training_, CancelJob, r);
}
absl::StatusOr<v1::Job> EvgenClient::ResumeJob(const std::string& id) {
  v1::ResumeJobRequest r;
  r.set_id(id);
  EVGEN_UNARY(training_, ResumeJob, r);
}
absl::StatusOr<v1::ListModelsResponse> EvgenClient::ListModels(const std::string& name) {
  v1::ListModelsRequest r;
  r.set_name(name);
  EVGEN_UNARY(models_, ListModels, r);
}
absl::StatusOr<v1::ListPresetsResponse> EvgenClient::ListPresets() {
  v1::ListPresetsRequest r;
  EVGEN_UNARY(models_, ListPresets, r);
}
absl::StatusOr<v1::Model> EvgenClient::GetModel(const std::string& name, int version) {
  v1::GetModelRequest r;
  r.set_name(name);
  r.set_version(version);
  EVGEN_UNARY(models_, GetModel, r);
}
absl::Status EvgenClient::DeleteModel(const std::string& name, int version) {
  v1::DeleteModelRequest r;
  r.set_name(name);
  r.set_version(version);
  grpc::ClientContext context;
  AddToken(&context);
  SetDeadline(&context);
  return Call(&v1::ModelService::Stub::DeleteModel, models_.get(), r, &context).status();
}
absl::StatusOr<v1::CompareResponse> EvgenClient::Compare(const v1::CompareRequest& r) {
  EVGEN_UNARY(metrics_, Compare, r);
}
absl::StatusOr<v1::CompareResponse> EvgenClient::EvaluateModel(const v1::EvaluateModelRequest& r) {
  EVGEN_UNARY(metrics_, EvaluateModel, r);
}
absl::StatusOr<v1::ListMetricsResponse> EvgenClient::ListMetrics() {
  EVGEN_UNARY(metrics_, ListMetrics, v1::ListMetricsRequest());
}

#undef EVGEN_UNARY

absl::StatusOr<v1::Job> EvgenClient::WatchJob(const std::string& id,
                                              const std::function<void(const v1::Job&)>& on_update) {
  v1::WatchJobRequest request;
  request.set_id(id);
  grpc::ClientContext context;
  AddToken(&context);
  std::unique_ptr<grpc::ClientReader<v1::Job>> reader = training_->WatchJob(&context, request);
  v1::Job job;
  v1::Job last;
  bool any = false;
  while (reader->Read(&job)) {
    on_update(job);
    last = job;
    any = true;
  }
  EVGEN_RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
  if (!any) return absl::InternalError(absl::StrCat("watch of job ", id, " ended without a record"));
  return last;
}

absl::Status EvgenClient::Sample(const v1::SampleRequest& r,
                                 const std::function<absl::Status(const v1::SampleChunk&)>& on_chunk) {
  grpc::ClientContext context;
  AddToken(&context);
  return ReadStream(sampling_->Sample(&context, r), &context, on_chunk);
}

absl::StatusOr<std::vector<double>> EvgenClient::Density(const std::string& model, int version,
                                                         const Table& events, int64_t rows_per_chunk) {
  grpc::ClientContext context;
  AddToken(&context);
  std::unique_ptr<grpc::ClientReaderWriter<v1::DensityRequest, v1::DensityChunk>> stream =
      sampling_->Density(&context);
  std::vector<double> out;
  out.reserve(static_cast<size_t>(events.num_rows()));
  // One chunk in flight: write it, read its answer (the server answers each
  // chunk before reading the next).
  for (int64_t begin = 0; begin < std::max<int64_t>(events.num_rows(), 1); begin += rows_per_chunk) {
    v1::DensityRequest request;
    if (begin == 0) {
      request.set_model(model);
      request.set_version(version);
    }
    EncodeTable(events.SliceRows(begin, std::min(events.num_rows(), begin + rows_per_chunk)),
                request.mutable_events());
    v1::DensityChunk chunk;
    if (!stream->Write(request) || !stream->Read(&chunk)) break;  // Finish says why
    if (chunk.first_row() != begin) {
      context.TryCancel();
      return absl::DataLossError(absl::StrCat("density: answer for row ", chunk.first_row(), ", expected ", begin));
    }
    out.insert(out.end(), chunk.log_density().begin(), chunk.log_density().end());
  }
  stream->WritesDone();
  EVGEN_RETURN_IF_ERROR(FromGrpcStatus(stream->Finish()));
  if (static_cast<int64_t>(out.size()) != events.num_rows()) {
    return absl::DataLossError(absl::StrCat("density: ", out.size(), " values for ", events.num_rows(), " rows"));
  }
  return out;
}

absl::Status EvgenClient::Unweight(const v1::UnweightRequest& r,
                                   const std::function<absl::Status(const v1::UnweightChunk&)>& on_chunk) {
  grpc::ClientContext context;
  AddToken(&context);
  return ReadStream(sampling_->Unweight(&context, r), &context, on_chunk);
}

absl::StatusOr<v1::Dataset> EvgenClient::UploadFile(const std::string& path, v1::UploadHeader header,
                                                    const UploadProgress& on_progress) {
  // A .npy file's column names live in its names file, which does not
  // travel; a bad one is refused here, naming it, before any byte is sent.
  if (absl::EndsWith(path, ".npy") && header.options().count("columns") == 0) {
    EVGEN_ASSIGN_OR_RETURN(const std::vector<std::string> names, ReadNpyColumnNames(path));
    if (!names.empty()) {
      EVGEN_ASSIGN_OR_RETURN(std::string option, NpyColumnsOption(names, absl::StrCat(path, ".columns: names")));
      (*header.mutable_options())["columns"] = std::move(option);
    }
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  std::fseek(file, 0, SEEK_END);
  header.set_total_bytes(std::ftell(file));
  std::fseek(file, 0, SEEK_SET);
  if (header.file_name().empty()) header.set_file_name(std::filesystem::path(path).filename().string());

  grpc::ClientContext context;
  AddToken(&context);
  v1::Dataset dataset;
  std::unique_ptr<grpc::ClientWriter<v1::UploadDatasetRequest>> writer =
      datasets_->UploadDataset(&context, &dataset);
  v1::UploadDatasetRequest message;
  *message.mutable_header() = header;
  bool ok = writer->Write(message);
  std::string buffer(kUploadChunkBytes, '\0');
  int64_t sent = 0;
  while (ok) {
    const size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
    if (n == 0) break;
    message.set_data(buffer.data(), n);
    ok = writer->Write(message);
    sent += static_cast<int64_t>(n);
    if (on_progress) on_progress(sent, header.total_bytes());
  }
  std::fclose(file);
  writer->WritesDone();
  EVGEN_RETURN_IF_ERROR(FromGrpcStatus(writer->Finish()));
  return dataset;
}

absl::Status EvgenClient::ExportDataset(const v1::ExportDatasetRequest& r,
                                        const std::function<absl::Status(const v1::DatasetChunk&)>& on_chunk) {
  grpc::ClientContext context;
  AddToken(&context);
  return ReadStream(datasets_->ExportDataset(&context, r), &context, on_chunk);
}

namespace {

// ChunkFileWriter writes a chunk stream to a file: opened on the first chunk
// (which names the columns and the total), rows checked to arrive in order.
class ChunkFileWriter {
 public:
  explicit ChunkFileWriter(const OutputFile& out) : out_(out) {}

  absl::Status Add(const v1::TableChunk& chunk, int64_t total_rows) {
    EVGEN_ASSIGN_OR_RETURN(Table rows, DecodeTable(chunk, "stream chunk"));
    if (!opened_) {
      EVGEN_RETURN_IF_ERROR(writer_.Open(out_.path, rows.columns(), total_rows, out_.format, out_.options));
      opened_ = true;
    }
    if (chunk.first_row() != received_) {
      return absl::DataLossError(absl::StrCat("stream: chunk starts at row ", chunk.first_row(),
                                              ", expected ", received_));
    }
    received_ += rows.num_rows();
    return writer_.Append(rows);
  }

  int64_t received() const { return received_; }

  absl::Status Commit() {
    if (!opened_) return absl::DataLossError("stream ended without data");
    return writer_.Commit();
  }

 private:
  const OutputFile& out_;
  StreamingTableWriter writer_;
  bool opened_ = false;
  int64_t received_ = 0;
};

}  // namespace

absl::Status EvgenClient::SampleToFile(const v1::SampleRequest& r, const OutputFile& out, v1::SampleChunk* summary,
                                       const RowProgress& on_progress) {
  ChunkFileWriter writer(out);
  EVGEN_RETURN_IF_ERROR(Sample(r, [&](const v1::SampleChunk& chunk) {
    if (summary != nullptr) {
      *summary = chunk;
      summary->clear_table();
    }
    EVGEN_RETURN_IF_ERROR(writer.Add(chunk.table(), chunk.total_rows()));
    if (on_progress) on_progress(writer.received(), chunk.total_rows());
    return absl::OkStatus();
  }));
  return writer.Commit();
}

absl::Status EvgenClient::UnweightToFile(const v1::UnweightRequest& r, const OutputFile& out,
                                         v1::UnweightChunk* summary) {
  ChunkFileWriter writer(out);
  bool any = false;
  EVGEN_RETURN_IF_ERROR(Unweight(r, [&](const v1::UnweightChunk& chunk) {
    any = true;
    *summary = chunk;
    summary->clear_table();
    return writer.Add(chunk.table(), chunk.total_rows());
  }));
  if (!any) return absl::FailedPreconditionError("unweight: no event was kept; nothing to write");
  return writer.Commit();
}

absl::Status EvgenClient::ExportToFile(const v1::ExportDatasetRequest& r, const OutputFile& out) {
  ChunkFileWriter writer(out);
  EVGEN_RETURN_IF_ERROR(ExportDataset(
      r, [&](const v1::DatasetChunk& chunk) { return writer.Add(chunk.table(), chunk.total_rows()); }));
  return writer.Commit();
}

}  // namespace evgen
