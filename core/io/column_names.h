// column_names: the rule every reader applies to a table's column names.
// Columns are found by name (selections, typed columns, the store), so a
// name must be non-empty, free of control characters (a newline would split
// it in an .npy's names file) and given once (the second would be lost).
#ifndef EVGEN_CORE_IO_COLUMN_NAMES_H_
#define EVGEN_CORE_IO_COLUMN_NAMES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace evgen {

// CheckColumnNames refuses the first bad name, the message starting with
// `where` (the file and attribute, or the request field) and naming the
// column's position i as "where[i]".
//
// Example: CheckColumnNames(names, "upload.columns") on {"pt", "pt"} gives
//   "upload.columns[1]: column 'pt' appears twice; column names must be unique".
[[nodiscard]] absl::Status CheckColumnNames(const std::vector<std::string>& names,
                                            absl::string_view where);

}  // namespace evgen

#endif  // EVGEN_CORE_IO_COLUMN_NAMES_H_
