// csv.h: comma-separated text tables <-> Table.
//
// The first line must be a header of column names. Every other non-blank line
// holds one number per column. Errors name the file, the line and the column.
// Values are written with 9 significant digits, enough for a float32 to read
// back bit-identically.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

[[nodiscard]] absl::StatusOr<Table> ReadCsv(const std::string& path);
// ParseCsv parses CSV text; `source` names it in error messages.
[[nodiscard]] absl::StatusOr<Table> ParseCsv(const std::string& text, const std::string& source);
[[nodiscard]] absl::Status WriteCsv(const std::string& path, const Table& table);
// AppendCsvRows formats every row of `table` as CSV lines onto `out`.
void AppendCsvRows(const Table& table, std::string* out);

}  // namespace evgen
