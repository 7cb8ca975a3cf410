// csv.h: comma-separated text tables <-> Table.
//
// The first line must be a header of column names. Every other non-blank line
// holds one field per column. An empty field reads as NaN (a missing value).
// A column whose first data row is not a number is a text column (e.g. CMS
// open data's muon type "G"/"T"): its labels are stored as codes 0, 1, 2, ...
// in order of first appearance, listed in CsvInfo. A number column with a
// later non-numeric field is an error naming the file, the line and the column.
// Integers above 2^24 (run and event numbers) lose their last digits in float32.
// Values are written with 9 significant digits, enough for a float32 to read
// back bit-identically.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

// CsvInfo reports the text columns found and their labels, by code.
struct CsvInfo {
  std::map<std::string, std::vector<std::string>> text_columns;
};

[[nodiscard]] absl::StatusOr<Table> ReadCsv(const std::string& path, CsvInfo* info = nullptr);
// ParseCsv parses CSV text; `source` names it in error messages.
[[nodiscard]] absl::StatusOr<Table> ParseCsv(const std::string& text, const std::string& source,
                                             CsvInfo* info = nullptr);
[[nodiscard]] absl::Status WriteCsv(const std::string& path, const Table& table);
// AppendCsvRows formats every row of `table` as CSV lines onto `out`.
void AppendCsvRows(const Table& table, std::string* out);

}  // namespace evgen
