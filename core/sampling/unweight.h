// unweight.h: Unweight, weighted events turned into unweighted ones by
// accept-reject (hit-or-miss), the step between a weighted generator (or an
// importance-sampled one, whose weight is target over proposal density) and
// an analysis or detector simulation that wants events of weight one.
//
// Event i is kept when u_i < w_i / w_max, with u_i uniform and a pure
// function of (seed, i), so the same seed keeps the same events. The kept
// fraction is the unweighting efficiency <w> / w_max (the review of
// generative networks for LHC physics, its section on importance sampling
// with normalizing flows): the number a physicist quotes for how much of a
// weighted sample survives.
//
// Weights come from the table's event weights, or, with both density
// columns named, from w = exp(log_target - log_proposal) (computed in log
// space, so densities far below float range still work), times the event
// weight when the table has weights.
//
// Example:
//   UnweightSpec spec;
//   spec.seed = 7;
//   EVGEN_ASSIGN_OR_RETURN(UnweightResult r, Unweight(weighted, spec));
//   // r.events has no weights; r.efficiency = <w> / w_max.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

struct UnweightSpec {
  // Both or neither: the columns holding log target and log proposal
  // densities (multiplied by the event weights, if any); neither uses the
  // event weights alone.
  std::string log_target_column;
  std::string log_proposal_column;
  uint64_t seed = 0;
  // The request's name for the events in messages (e.g. "events").
  std::string field = "events";
};

struct UnweightResult {
  Table events;             // the kept rows, every column, no weights
  int64_t input_rows = 0;
  double mean_weight = 0;   // <w>
  double max_weight = 0;    // w_max
  double efficiency = 0;    // <w> / w_max: the expected kept fraction
};

// Unweight keeps each row with probability w / w_max. InvalidArgument
// (naming spec.field, the row index from 0 and the value) for a negative
// or non-finite weight, a missing density column, or a table without
// weights and no density columns; FailedPrecondition when no row has a
// positive weight.
[[nodiscard]] absl::StatusOr<UnweightResult> Unweight(const Table& weighted, const UnweightSpec& spec);

}  // namespace evgen
