// density_reactor.h: DensityReactor, the server side of
// SamplingService.Density: read a chunk of events, compute its densities on
// the heavy pool, write them, read the next. One chunk in flight at a time,
// so a client that stops reading stops the work (flow control is the
// backpressure) and memory is one chunk whatever the stream's length.
#pragma once

#include <memory>
#include <optional>

#include <grpcpp/grpcpp.h>

#include "core/sampling/density_plan.h"
#include "core/util/admission_gate.h"
#include "evgen/v1/sampling_service.grpc.pb.h"
#include "server/server_state.h"

namespace evgen {

class DensityReactor final : public grpc::ServerBidiReactor<v1::DensityRequest, v1::DensityChunk> {
 public:
  DensityReactor(ServerState* state, std::shared_ptr<AdmissionGate::Ticket> ticket);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override { delete this; }

 private:
  // Evaluate runs on the heavy pool: plans on the first chunk, then
  // answers the chunk or finishes the call with the error.
  void Evaluate();

  ServerState* state_;
  std::shared_ptr<AdmissionGate::Ticket> ticket_;
  std::optional<DensityPlan> plan_;
  v1::DensityRequest request_;
  v1::DensityChunk response_;
  int64_t next_row_ = 0;
};

}  // namespace evgen
