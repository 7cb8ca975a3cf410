// telemetry_http.h: TelemetryHttpServer, the separate HTTP listener that
// serves GET /metrics in the Prometheus text format (the process's registry,
// core/telemetry/metrics.h). It listens on its own address (--metrics-listen,
// loopback by default) so that a scraper never needs the gRPC port, and
// anything but GET /metrics is 404.
//
// Example:
//   TelemetryHttpServer http;
//   EVGEN_RETURN_IF_ERROR(http.Start("127.0.0.1:9464"));   // port() is now bound
//   ...
//   http.Stop();
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace httplib {
class Server;
}

namespace evgen {

class TelemetryHttpServer {
 public:
  TelemetryHttpServer();
  ~TelemetryHttpServer();

  // Start binds "host:port" (port 0 picks a free one) and serves on a thread
  // of its own; InvalidArgument for a malformed address, Unavailable when it
  // cannot bind.
  [[nodiscard]] absl::Status Start(const std::string& address);
  int port() const { return port_; }
  void Stop();

 private:
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace evgen
