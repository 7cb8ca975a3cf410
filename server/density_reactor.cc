#include "server/density_reactor.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/convert.h"
#include "wire/table_codec.h"

namespace evgen {

DensityReactor::DensityReactor(ServerState* state, std::shared_ptr<AdmissionGate::Ticket> ticket)
    : state_(state), ticket_(std::move(ticket)) {
  StartRead(&request_);
}

void DensityReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client half-closed (or went away): every chunk answered
    Finish(grpc::Status::OK);
    return;
  }
  state_->heavy_pool.Schedule([this] { Evaluate(); });
}

void DensityReactor::Evaluate() {
  absl::Status status = [this]() -> absl::Status {
    if (!plan_.has_value()) {
      EVGEN_ASSIGN_OR_RETURN(DensityPlan plan, PlanDensity(request_.model(), request_.version(), state_->models));
      plan_.emplace(std::move(plan));
    }
    EVGEN_ASSIGN_OR_RETURN(Table events, DecodeTable(request_.events(), "events"));
    EVGEN_ASSIGN_OR_RETURN(std::vector<double> log_p, plan_->Evaluate(events, next_row_));
    response_.Clear();
    response_.set_first_row(next_row_);
    response_.set_model_version(plan_->record().version);
    response_.mutable_log_density()->Add(log_p.begin(), log_p.end());
    next_row_ += events.num_rows();
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    Finish(ToGrpcStatus(status));
    return;
  }
  StartWrite(&response_);
}

void DensityReactor::OnWriteDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "density: the client stopped reading"));
    return;
  }
  StartRead(&request_);
}

}  // namespace evgen
