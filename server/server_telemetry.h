// server_telemetry.h: evgend's own series in the process's metrics registry
// (core/telemetry/metrics.h), beside the per-call ones of call_telemetry.h:
//   evgen_events_generated_total{model}     rows sampled, per model
//   evgen_stream_bytes_total{method}        bytes of streamed chunks
//   evgen_active_streams{method}            streams in progress
//   evgen_jobs{state}                       jobs by state (read at scrape)
//   evgen_limit{name}                       every configured limit, as set
// ServerTelemetry reads a server's state at scrape time; it is created with
// the server and destroyed before the state goes away.
#pragma once

#include <cstdint>
#include <string>

#include "core/telemetry/metrics.h"
#include "server/server_state.h"

namespace evgen {

// StreamTelemetry is the series one streaming method updates.
struct StreamTelemetry {
  telemetry::Counter& bytes;
  telemetry::Gauge& active;
  static StreamTelemetry For(const std::string& method);
};

// EventsGenerated is the counter of rows sampled from `model`.
telemetry::Counter& EventsGenerated(const std::string& model);

class ServerTelemetry {
 public:
  explicit ServerTelemetry(ServerState& state);
  ~ServerTelemetry();
  ServerTelemetry(const ServerTelemetry&) = delete;
  ServerTelemetry& operator=(const ServerTelemetry&) = delete;

 private:
  int64_t collector_ = 0;
};

}  // namespace evgen
