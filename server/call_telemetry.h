// call_telemetry.h: a gRPC server interceptor that counts every call by
// service, method and status code and times it, into the process's metrics
// registry (core/telemetry/metrics.h):
//   evgen_grpc_requests_total{service, method, code}
//   evgen_grpc_request_duration_seconds{service, method}   (histogram)
//   evgen_grpc_calls_in_flight                              (evgen.* calls only)
// Health checks and reflection are counted like evgen's own services. The
// duration runs from the call's arrival to the status being sent, so a
// stream's covers all its chunks.
#pragma once

#include <cstdint>
#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace evgen {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeCallTelemetryFactory();

// EvgenCallsInFlight counts the evgen.* calls of this process that have
// arrived and not yet ended; the shutdown drain waits for it to reach zero.
int64_t EvgenCallsInFlight();

}  // namespace evgen
