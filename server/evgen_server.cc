#include "server/evgen_server.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/data/device.h"
#include "core/io/atomic_file.h"
#include "core/io/isolated_reader.h"
#include "core/status_macros.h"
#include "core/store/staging_dir.h"
#include "core/telemetry/process_metrics.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/call_telemetry.h"
#include "server/dataset_service.h"
#include "server/metrics_service.h"
#include "server/model_service.h"
#include "server/sampling_service.h"
#include "server/server_telemetry.h"
#include "server/telemetry_http.h"
#include "server/training_service.h"
#include "server/unacked_bytes.h"
#include "spdlog/spdlog.h"

namespace evgen {

namespace {

// Credentials are TLS when --tls-cert and --tls-key are set (mTLS with
// --tls-client-ca), plaintext otherwise; errors name the flag.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerConfig& c) {
  if (c.tls_cert.empty() && c.tls_key.empty()) {
    if (!c.tls_client_ca.empty()) {
      return absl::InvalidArgumentError("--tls-client-ca: needs --tls-cert and --tls-key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (c.tls_cert.empty() || c.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key: give both or neither");
  }
  grpc::SslServerCredentialsOptions tls;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  EVGEN_ASSIGN_OR_RETURN(pair.cert_chain, ReadFileToString(c.tls_cert));
  EVGEN_ASSIGN_OR_RETURN(pair.private_key, ReadFileToString(c.tls_key));
  tls.pem_key_cert_pairs.push_back(pair);
  if (!c.tls_client_ca.empty()) {
    EVGEN_ASSIGN_OR_RETURN(tls.pem_root_certs, ReadFileToString(c.tls_client_ca));
    tls.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(tls);
}

}  // namespace

EvgenServer::EvgenServer(ServerConfig config) : config_(std::move(config)) {}

EvgenServer::~EvgenServer() { Shutdown(); }

absl::Status EvgenServer::Start() {
  if (config_.data_dir.empty()) return absl::InvalidArgumentError("--data-dir: must be set");
  // The lock comes before anything touches the directory: start-up clean-up
  // would otherwise delete another server's in-flight work.
  EVGEN_ASSIGN_OR_RETURN(DataDirLock lock, DataDirLock::Acquire(config_.data_dir));
  lock_.emplace(std::move(lock));
  if (config_.parse_helper.empty()) config_.parse_helper = DefaultParseHelper();
  SetIntraOpThreads(config_.intra_op_threads);
  state_ = std::make_unique<ServerState>(config_);
  if (!config_.auth_tokens.empty()) {
    EVGEN_ASSIGN_OR_RETURN(state_->access, AccessControl::FromFile(config_.auth_tokens));
  }
  EVGEN_RETURN_IF_ERROR(state_->datasets.Init());
  EVGEN_RETURN_IF_ERROR(state_->models.Init());
  EVGEN_RETURN_IF_ERROR(state_->job_store.Init());
  EVGEN_RETURN_IF_ERROR(PrepareStoreRoot(config_.data_dir + "/uploads"));
  EVGEN_RETURN_IF_ERROR(PrepareStoreRoot(config_.data_dir + "/checkpoints"));
  state_->jobs.Recover();

  datasets_ = std::make_unique<DatasetServiceImpl>(state_.get());
  training_ = std::make_unique<TrainingServiceImpl>(state_.get());
  models_ = std::make_unique<ModelServiceImpl>(state_.get());
  sampling_ = std::make_unique<SamplingServiceImpl>(state_.get());
  metrics_ = std::make_unique<MetricsServiceImpl>(state_.get());

  telemetry_ = std::make_unique<ServerTelemetry>(*state_);
  static std::once_flag process_metrics;
  std::call_once(process_metrics, [] { telemetry::AddProcessMetrics(telemetry::DefaultRegistry()); });

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, which lets a second server bind the
  // same port and take a share of the calls; a taken port must be an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, config_.keepalive_seconds * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  EVGEN_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, Credentials(config_));
  builder.AddListeningPort(config_.listen, credentials, &port_);
  builder.SetMaxReceiveMessageSize(config_.max_message_bytes);
  builder.SetMaxSendMessageSize(static_cast<int>(config_.max_chunk_bytes + (1 << 20)));
  builder.RegisterService(datasets_.get());
  builder.RegisterService(training_.get());
  builder.RegisterService(models_.get());
  builder.RegisterService(sampling_.get());
  builder.RegisterService(metrics_.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(MakeCallTelemetryFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("--listen: cannot listen on ", config_.listen));
  }
  if (!config_.metrics_listen.empty()) {
    metrics_http_ = std::make_unique<TelemetryHttpServer>();
    EVGEN_RETURN_IF_ERROR(metrics_http_->Start(config_.metrics_listen));
    if (!config_.metrics_port_file.empty()) {
      EVGEN_RETURN_IF_ERROR(
          WriteFileAtomically(config_.metrics_port_file, absl::StrCat(metrics_http_->port(), "\n")));
    }
  }
  SetServing(true);
  if (!config_.port_file.empty()) {
    EVGEN_RETURN_IF_ERROR(WriteFileAtomically(config_.port_file, absl::StrCat(port_, "\n")));
  }
  return absl::OkStatus();
}

int EvgenServer::metrics_port() const { return metrics_http_ ? metrics_http_->port() : 0; }

void EvgenServer::SetServing(bool serving) {
  // Each service answers health checks by its own name too, so a client or
  // a Kubernetes probe can ask for the one it uses.
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);
  for (const char* service : {v1::DatasetService::service_full_name(), v1::TrainingService::service_full_name(),
                              v1::ModelService::service_full_name(), v1::SamplingService::service_full_name(),
                              v1::MetricsService::service_full_name()}) {
    health->SetServingStatus(service, serving);
  }
}

void EvgenServer::Wait() {
  if (server_) server_->Wait();
}

void EvgenServer::Shutdown() {
  std::call_once(shutdown_once_, [this] { Drain(); });
}

void EvgenServer::Drain() {
  using Clock = std::chrono::steady_clock;
  // Readiness first, so a load balancer stops sending new calls; for the
  // notice period calls are still taken, since routing changes take a
  // moment to reach every client.
  if (server_) SetServing(false);
  if (server_ && config_.drain_notice_seconds > 0) {
    std::this_thread::sleep_for(std::chrono::seconds(config_.drain_notice_seconds));
  }
  // Then new calls are refused, and running jobs stop at their next step,
  // checkpointed and recorded interrupted (resumable after a restart); their
  // watchers get that final record.
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(config_.drain_seconds);
  if (state_) {
    state_->draining = true;
    state_->jobs.Shutdown();
  }
  if (server_) {
    // gRPC closes a connection once its last status is handed to the
    // kernel; waiting until the calls have ended and every byte sent is
    // acknowledged keeps a slow reader's last chunks (unacked_bytes.h).
    spdlog::info("evgend: draining: new calls refused, {} in flight", EvgenCallsInFlight());
    while (Clock::now() < deadline &&
           (EvgenCallsInFlight() > 0 || UnackedBytes(port_).value_or(0) > 0)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (EvgenCallsInFlight() > 0) {
      spdlog::warn("evgend: drain: {} calls still in flight after --drain-seconds; cancelling them",
                   EvgenCallsInFlight());
    }
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::duration_cast<std::chrono::system_clock::duration>(
                          std::max(deadline - Clock::now(), Clock::duration::zero())));
    server_->Wait();
    server_.reset();
  }
  // The scrape listener goes last, so the drain shows in /metrics; the
  // collector reading the state goes before the state.
  if (metrics_http_) metrics_http_->Stop();
  telemetry_.reset();
}

}  // namespace evgen
