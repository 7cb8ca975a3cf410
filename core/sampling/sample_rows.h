// sample_rows.h: SampleRows, one slice of a (possibly very long) sample.
//
// A sample request of n rows is produced slice by slice so memory stays
// bounded; conditions rows are reused cyclically when n exceeds them (row i
// takes conditions row i mod R). Because Model::Sample keys its randomness on
// the absolute row index, the slices concatenate to exactly the sample one
// call would give.
//
// `conditions` holds the model's condition columns first, in the model's
// order; any further columns are "kept" columns, copied unchanged after the
// model's output columns (e.g. n_track beside a template's mass). For an
// unconditional model without kept columns it has no columns at all: only
// the row count is asked of the model then.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/models/model.h"

namespace evgen {

class SampleBatcher;

// With a batcher (for `model`), partial blocks share passes with concurrent
// requests (sample_batcher.h); the rows are the same bytes either way.
[[nodiscard]] absl::StatusOr<Table> SampleRows(const Model& model, const Table& conditions,
                                               int64_t begin, int64_t end, uint64_t seed,
                                               SampleBatcher* batcher = nullptr);

// SetSizesFor returns how many output rows each of rows [begin, end) of
// the sample becomes (Model::SetSizes with the conditions taken in turn): 1
// each for a model of rows, the set sizes for a set model.
[[nodiscard]] absl::StatusOr<std::vector<int64_t>> SetSizesFor(const Model& model, const Table& conditions,
                                                               int64_t begin, int64_t end, uint64_t seed);

// SampleAll draws rows [0, n) in memory, block by block so that a StopScope
// (core/util/stop_check.h) ends it within one block once the caller gave up.
// The result is byte for byte SampleRows(model, conditions, 0, n, seed).
[[nodiscard]] absl::StatusOr<Table> SampleAll(const Model& model, const Table& conditions, int64_t n,
                                              uint64_t seed);

// ConditionReport is what CheckConditionValues found in arranged conditions.
struct ConditionReport {
  // Output rows (of n, conditions reused cyclically) whose conditions lie
  // outside the model's training range in at least one column.
  int64_t out_of_range_rows = 0;
  std::string first_out_of_range;  // "column 'pt' row 12: 4100 outside [200, 3000]"
};

// CheckConditionValues refuses non-finite condition values (InvalidArgument
// naming `field`, the column and the row) and counts the rows of an n-row
// sample that fall outside the model's condition_ranges(); with
// `refuse_out_of_range` such rows are InvalidArgument too. `conditions` is
// laid out as ArrangeConditions returns it.
[[nodiscard]] absl::StatusOr<ConditionReport> CheckConditionValues(const Model& model,
                                                                   const Table& conditions, int64_t n,
                                                                   bool refuse_out_of_range,
                                                                   const char* field);

// CheckConditions verifies that `conditions` has rows and every condition
// column of `model`; InvalidArgument naming the missing columns otherwise.
[[nodiscard]] absl::Status CheckConditions(const Model& model, const Table& conditions,
                                           const char* field);

// ArrangeConditions returns the model's condition columns followed by
// `keep_columns` (those not already among them), as SampleRows expects.
[[nodiscard]] absl::StatusOr<Table> ArrangeConditions(const Model& model, const Table& conditions,
                                                      const std::vector<std::string>& keep_columns,
                                                      const char* field);

}  // namespace evgen
