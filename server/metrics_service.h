// metrics_service.h: MetricsServiceImpl, evgen.v1.MetricsService: compares two
// tables (stored, inline or sampled from a model) with named metrics.
#pragma once

#include "evgen/v1/metrics_service.grpc.pb.h"
#include "server/server_state.h"

namespace evgen {

class MetricsServiceImpl final : public v1::MetricsService::CallbackService {
 public:
  explicit MetricsServiceImpl(ServerState* state) : state_(state) {}

  grpc::ServerUnaryReactor* Compare(grpc::CallbackServerContext* context,
                                    const v1::CompareRequest* request,
                                    v1::CompareResponse* response) override;
  grpc::ServerUnaryReactor* EvaluateModel(grpc::CallbackServerContext* context,
                                          const v1::EvaluateModelRequest* request,
                                          v1::CompareResponse* response) override;
  grpc::ServerUnaryReactor* ListMetrics(grpc::CallbackServerContext* context,
                                        const v1::ListMetricsRequest* request,
                                        v1::ListMetricsResponse* response) override;

 private:
  ServerState* state_;
};

}  // namespace evgen
