// evgen_server.h: EvgenServer, the whole evgend process minus flag parsing:
// the stores under the data directory, the job manager, and the gRPC server
// with every evgen.v1 service, health checking and reflection.
//
// Example:
//   EvgenServer server(config);
//   EVGEN_RETURN_IF_ERROR(server.Start());   // binds; port() is now known
//   server.Wait();                           // until Shutdown() from another thread
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "absl/status/status.h"
#include "core/store/data_dir_lock.h"
#include "server/server_state.h"

namespace grpc {
class Server;
}

namespace evgen {

class DatasetServiceImpl;
class TrainingServiceImpl;
class ModelServiceImpl;
class SamplingServiceImpl;
class MetricsServiceImpl;
class ServerTelemetry;
class TelemetryHttpServer;

class EvgenServer {
 public:
  explicit EvgenServer(ServerConfig config);
  ~EvgenServer();

  [[nodiscard]] absl::Status Start();
  int port() const { return port_; }
  // metrics_port is the bound port of the /metrics listener (0 without one).
  int metrics_port() const;
  void Wait();
  // Shutdown drains (ServerConfig::drain_notice_seconds, drain_seconds):
  // health NOT_SERVING, then new calls refused, unfinished jobs recorded
  // interrupted, running calls given the grace period to end. Idempotent.
  void Shutdown();

 private:
  void SetServing(bool serving);
  void Drain();

  ServerConfig config_;
  std::optional<DataDirLock> lock_;  // held from Start() until destruction
  std::unique_ptr<ServerState> state_;
  std::unique_ptr<DatasetServiceImpl> datasets_;
  std::unique_ptr<TrainingServiceImpl> training_;
  std::unique_ptr<ModelServiceImpl> models_;
  std::unique_ptr<SamplingServiceImpl> sampling_;
  std::unique_ptr<MetricsServiceImpl> metrics_;
  std::unique_ptr<ServerTelemetry> telemetry_;
  std::unique_ptr<TelemetryHttpServer> metrics_http_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::once_flag shutdown_once_;
};

}  // namespace evgen
