#include "server/metrics_service.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/util/stop_check.h"
#include "server/convert.h"
#include "server/authorize.h"
#include "server/reactors.h"
#include "server/table_source.h"

namespace evgen {
namespace {

absl::Status ComputeAll(const google::protobuf::RepeatedPtrField<v1::MetricSpec>& metrics,
                        const Table& reference, const Table& candidate, uint64_t seed,
                        v1::CompareResponse* response) {
  if (metrics.empty()) {
    return absl::InvalidArgumentError("metrics: name at least one metric, e.g. separation-power");
  }
  for (const v1::MetricSpec& spec : metrics) {
    EVGEN_RETURN_IF_ERROR(CheckStop());
    std::map<std::string, std::string> options(spec.options().begin(), spec.options().end());
    EVGEN_ASSIGN_OR_RETURN(MetricOutcome outcome,
                           ComputeMetric(spec.name(), options, reference, candidate, seed));
    // A metric that saw the stop request returns early; its value is partial.
    EVGEN_RETURN_IF_ERROR(CheckStop());
    ToProto(outcome, response->add_results());
  }
  response->set_reference_rows(reference.num_rows());
  response->set_candidate_rows(candidate.num_rows());
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* MetricsServiceImpl::Compare(grpc::CallbackServerContext* context,
                                                      const v1::CompareRequest* request,
                                                      v1::CompareResponse* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "Compare")) return denied;
  return RunHeavy(*state_, context, "Compare", [this, request, response]() -> absl::Status {
    int64_t out_of_range = 0;
    EVGEN_ASSIGN_OR_RETURN(Table reference,
                           ResolveTableSource(*state_, request->reference(), "reference", &out_of_range));
    EVGEN_ASSIGN_OR_RETURN(Table candidate,
                           ResolveTableSource(*state_, request->candidate(), "candidate", &out_of_range));
    response->set_conditions_out_of_range(out_of_range);
    return ComputeAll(request->metrics(), reference, candidate, request->seed(), response);
  });
}

grpc::ServerUnaryReactor* MetricsServiceImpl::EvaluateModel(grpc::CallbackServerContext* context,
                                                            const v1::EvaluateModelRequest* request,
                                                            v1::CompareResponse* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "EvaluateModel")) return denied;
  return RunHeavy(*state_, context, "EvaluateModel", [this, request, response]() -> absl::Status {
    EVGEN_ASSIGN_OR_RETURN(Table reference, SelectDataset(*state_, request->reference(), "reference"));
    EVGEN_RETURN_IF_ERROR(CheckMetricRows(*state_, reference.num_rows(), "reference"));
    int64_t out_of_range = 0;
    EVGEN_ASSIGN_OR_RETURN(Table candidate, GenerateSamples(*state_, request->samples(), "samples", &out_of_range));
    response->set_conditions_out_of_range(out_of_range);
    return ComputeAll(request->metrics(), reference, candidate, request->samples().seed(), response);
  });
}

grpc::ServerUnaryReactor* MetricsServiceImpl::ListMetrics(grpc::CallbackServerContext* context,
                                                          const v1::ListMetricsRequest*,
                                                          v1::ListMetricsResponse* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "ListMetrics")) return denied;
  for (const MetricInfo& info : Metrics()) ToProto(info, response->add_metrics());
  return FinishNow(context, absl::OkStatus());
}

}  // namespace evgen
