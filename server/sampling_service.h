// sampling_service.h: SamplingServiceImpl, evgen.v1.SamplingService: streams
// a model's samples in bounded chunks, produced one at a time on the server's
// pool so memory stays flat however large n is, and unweights weighted
// events (core/sampling/unweight.h).
#pragma once

#include "evgen/v1/sampling_service.grpc.pb.h"
#include "server/server_state.h"

namespace evgen {

class SamplingServiceImpl final : public v1::SamplingService::CallbackService {
 public:
  explicit SamplingServiceImpl(ServerState* state) : state_(state) {}

  grpc::ServerWriteReactor<v1::SampleChunk>* Sample(grpc::CallbackServerContext* context,
                                                    const v1::SampleRequest* request) override;
  grpc::ServerWriteReactor<v1::UnweightChunk>* Unweight(grpc::CallbackServerContext* context,
                                                        const v1::UnweightRequest* request) override;
  grpc::ServerBidiReactor<v1::DensityRequest, v1::DensityChunk>* Density(
      grpc::CallbackServerContext* context) override;

 private:
  ServerState* state_;
};

}  // namespace evgen
