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
// model's output columns (e.g. n_track beside a template's mass).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/models/model.h"

namespace evgen {

[[nodiscard]] absl::StatusOr<Table> SampleRows(const Model& model, const Table& conditions,
                                               int64_t begin, int64_t end, uint64_t seed);

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
