#include "core/sampling/density_plan.h"

#include <regex>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

// StreamRows rewrites "row N" (N the row's index within the chunk) in a
// model's message into the row's index in the stream.
std::string StreamRows(const std::string& message, int64_t first_row) {
  static const std::regex kRow("row ([0-9]+)");
  std::string out;
  auto begin = std::sregex_iterator(message.begin(), message.end(), kRow);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out += message.substr(last, it->position() - last);
    out += absl::StrCat("row ", std::stoll((*it)[1].str()) + first_row);
    last = it->position() + it->length();
  }
  return out + message.substr(last);
}

}  // namespace

absl::StatusOr<std::vector<double>> DensityPlan::Evaluate(const Table& events, int64_t first_row) const {
  absl::StatusOr<std::vector<double>> log_p = model_->LogDensity(events);
  if (!log_p.ok() && log_p.status().code() == absl::StatusCode::kInvalidArgument && first_row > 0) {
    return absl::InvalidArgumentError(StreamRows(std::string(log_p.status().message()), first_row));
  }
  return log_p;
}

absl::StatusOr<DensityPlan> PlanDensity(const std::string& model, int version, ModelStore& models) {
  if (model.empty()) return absl::InvalidArgumentError("model: must name a stored model");
  DensityPlan plan;
  EVGEN_ASSIGN_OR_RETURN(auto loaded, models.Load(model, version));
  plan.record_ = std::move(loaded.first);
  plan.model_ = std::move(loaded.second);
  // Ask with no rows: a model without a density says so now, before the
  // client streams anything.
  const absl::Status probe = plan.model_->LogDensity(Table()).status();
  if (probe.code() == absl::StatusCode::kFailedPrecondition) {
    return absl::FailedPreconditionError(absl::StrCat("model '", model, "': ", probe.message()));
  }
  return plan;
}

}  // namespace evgen
