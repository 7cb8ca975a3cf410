// csv.h: comma-separated text tables <-> Table.
//
// The first line must be a header of column names. Every other non-blank line
// holds one field per column. An empty field reads as NaN (a missing value).
// A column whose first data row is not a number is a text column (e.g. CMS
// open data's muon type "G"/"T"): its labels are stored as codes 0, 1, 2, ...
// in order of first appearance, listed in CsvInfo. A number column with a
// later non-numeric field is an error naming the file, the line and the column.
// Integers above 2^24 (run and event numbers) lose their last digits in float32.
//
// Non-finite text ("nan", "inf", "-Infinity", or a number beyond float32 such
// as 1e39) is refused by default, naming file:line:column and the value;
// CsvReadOptions::non_finite = kKeep keeps such values and counts them.
//
// Weights: a column named "event_weight" (kEventWeightColumn, table.h) is read
// as the table's weights, not as a feature; weight_column names another, or
// "" keeps every column a feature. Weights must be finite numbers. Writers
// add "event_weight" as the last column of a weighted table.
//
// Values are written with 9 significant digits, enough for a float32 to read
// back bit-identically.
//
// Example:
//   CsvReadOptions options;
//   options.weight_column = "w";   // the column "w" holds the event weights
//   EVGEN_ASSIGN_OR_RETURN(Table t, ReadCsv("events.csv", options));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/read_report.h"
#include "core/io/table.h"

namespace evgen {

// NonFinite says what a reader does with NaN or infinite values in the text.
enum class NonFinite { kRefuse, kKeep };

struct CsvReadOptions {
  // weight_column: the column read as the weights; "" reads none. With
  // require_weight_column false, a missing column means an unweighted table.
  std::string weight_column = kEventWeightColumn;
  bool require_weight_column = false;
  NonFinite non_finite = NonFinite::kRefuse;
};

// ParseCsvReadOptions reads the upload options weight_column (a column name,
// or empty for none) and non_finite (refuse or keep); other keys are
// InvalidArgument listing the known ones.
[[nodiscard]] absl::StatusOr<CsvReadOptions> ParseCsvReadOptions(
    const std::map<std::string, std::string>& options);

// CsvInfo reports the text columns found and their labels, by code, and the
// NaN values read: empty fields (missing values) and, with
// non_finite=keep, non-finite numbers.
struct CsvInfo {
  std::map<std::string, std::vector<std::string>> text_columns;
  int64_t rows = 0;
  int64_t empty_fields = 0;
  int64_t non_finite_values = 0;
};

[[nodiscard]] absl::StatusOr<Table> ReadCsv(const std::string& path, CsvInfo* info = nullptr);
[[nodiscard]] absl::StatusOr<Table> ReadCsv(const std::string& path, const CsvReadOptions& options,
                                            CsvInfo* info = nullptr);
// ParseCsv parses CSV text; `source` names it in error messages.
[[nodiscard]] absl::StatusOr<Table> ParseCsv(const std::string& text, const std::string& source,
                                             CsvInfo* info = nullptr);
[[nodiscard]] absl::StatusOr<Table> ParseCsv(const std::string& text, const std::string& source,
                                             const CsvReadOptions& options, CsvInfo* info = nullptr);
// AddToReport fills `report` from what a read found (rows, NaN counts, notes).
void AddToReport(const CsvInfo& info, const Table& table, ReadReport* report);

// WriteCsv writes the header and every row; a weighted table gets the
// "event_weight" column last.
[[nodiscard]] absl::Status WriteCsv(const std::string& path, const Table& table);
// AppendCsvRows formats every row of `table` as CSV lines onto `out`, with
// the row's weight last when the table is weighted.
void AppendCsvRows(const Table& table, std::string* out);

}  // namespace evgen
