// evaluator.h: evaluating a compiled expression on a table's rows. Values
// are read from the float32 table and computed in double; the result of a
// condition is 1 (true) or 0 (false), and a comparison with NaN is false
// (IEEE), so a row with a missing value fails a selection instead of passing
// it. Nothing here fails: division by zero gives +-inf or NaN, and huge
// values overflow to inf.
//
// Threading: a compiled Expression is immutable; Evaluate may run on many
// threads at once.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "core/expr/parser.h"
#include "core/io/table.h"

namespace evgen::expr {

// Evaluate returns the value of `expression` on one row (`row` points at the
// row's values; every column index in the expression must be within it).
double Evaluate(const Expression& expression, const float* row);

// EvaluateRows returns the value on every row of `table`. It asks the
// call's StopScope between blocks of rows and returns its status (Cancelled,
// DeadlineExceeded) when the caller gave up.
[[nodiscard]] absl::StatusOr<std::vector<double>> EvaluateRows(const Expression& expression, const Table& table);

// ToFloat32 stores a double in a float32 column: values beyond float's range
// become +-inf (a plain cast would be undefined behaviour), NaN stays NaN.
float ToFloat32(double value);

}  // namespace evgen::expr
