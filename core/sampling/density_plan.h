// density_plan.h: DensityPlan, the use case behind a density call: a stored
// model resolved once, then log p(x | c) for the chunks of events a client
// streams in.
//
// Row numbers in messages are the row's index in the whole stream, counted
// from 0 as in the model's own messages (a chunk starting at row 1000 names
// its third row 1002), so a user can find the event in the file they sent.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(DensityPlan plan, PlanDensity("dy-flow", 0, models));
//   EVGEN_ASSIGN_OR_RETURN(std::vector<double> log_p, plan.Evaluate(chunk, first_row));
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/models/model.h"
#include "core/store/model_store.h"

namespace evgen {

class DensityPlan {
 public:
  const ModelRecord& record() const { return record_; }
  // Evaluate returns log p(x | c) per row of `events`, whose first row is
  // row first_row of the stream. InvalidArgument names the column and the
  // stream row; FailedPrecondition for a model without a density.
  [[nodiscard]] absl::StatusOr<std::vector<double>> Evaluate(const Table& events, int64_t first_row) const;

 private:
  friend absl::StatusOr<DensityPlan> PlanDensity(const std::string&, int, ModelStore&);
  ModelRecord record_;
  std::shared_ptr<const Model> model_;
};

// PlanDensity loads `model` (version 0: the latest). InvalidArgument for an
// empty name; NotFound for an unknown model; FailedPrecondition, naming the
// kind, for a model without a density (GANs and templates only sample).
[[nodiscard]] absl::StatusOr<DensityPlan> PlanDensity(const std::string& model, int version, ModelStore& models);

}  // namespace evgen
