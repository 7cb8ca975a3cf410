// check_result.h: what a harness demands of a reader's answer, beyond not
// crashing.
//
// Any error is a fine answer to hostile bytes, but it must name the input
// (the file's path, or the chunk's field) so that the user can tell which
// upload was refused. A table returned as OK must be whole: columns named,
// values filling rows x columns (every column with a name), weights one per row or none. A broken
// promise aborts, and libFuzzer keeps the input like any other crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "core/io/table.h"

namespace evgen::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz harness: %s\n", what.c_str());
  std::abort();
}

inline void CheckTable(const Table& table) {
  const size_t rows = static_cast<size_t>(table.num_rows());
  const size_t columns = static_cast<size_t>(table.num_columns());
  if (columns == 0) Fail("an OK table has no columns");
  for (const std::string& name : table.columns()) {
    if (name.empty()) Fail("an OK table has a column without a name");
  }
  if (table.values().size() != rows * columns) Fail("an OK table's values do not fill its rows");
  if (table.has_weights() && table.weights().size() != rows) {
    Fail("an OK table has a weight count other than its row count");
  }
}

// CheckResult checks a reader's answer for the input named `source`.
inline void CheckResult(const absl::StatusOr<Table>& result, const std::string& source) {
  if (result.ok()) {
    CheckTable(*result);
  } else if (!absl::StrContains(result.status().message(), source)) {
    Fail("the error does not name " + source + ": " + result.status().ToString());
  }
}

}  // namespace evgen::fuzz
