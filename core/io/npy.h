// npy.h: NumPy .npy files (format version 1.0) <-> Table.
//
// evgen writes little-endian float32 ('<f4'), C order, shape (rows, columns).
// NumPy has no column names, so the names go to a sidecar text file
// "<path>.columns" (one name per line); readers use it when present and name
// columns col0, col1, ... where there is none; a names file that does not
// fit the array (a blank line, a name too many or too few, a name twice) is
// refused rather than replaced by numbers. Reading accepts '<f4' and '<f8' (converted
// to float32), 1-D arrays (one column) and 2-D C-order arrays.
//
// Weights: a weighted table is written with its weights as the last column,
// named "event_weight" (kEventWeightColumn, table.h) in the sidecar too.
// Readers take a column of that name back as the weights;
// NpyReadOptions::weight_column names another, or "" keeps it a feature.
// Weights must be finite.
//
// NpyWriter streams rows to disk for outputs too large to hold in memory; the
// row count is fixed up front because the header carries the shape.
//
// Example:
//   EVGEN_RETURN_IF_ERROR(WriteNpy("jets.npy", table));
//   EVGEN_ASSIGN_OR_RETURN(Table back, ReadNpy("jets.npy"));
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/atomic_file.h"
#include "core/io/table.h"

namespace evgen {

struct NpyReadOptions {
  // columns: names for the columns instead of the sidecar's (uploads, where
  // the sidecar stays behind); empty: the sidecar, or col0, col1, ...
  std::vector<std::string> columns;
  // weight_column: the column read as the weights; "" reads none. With
  // require_weight_column false, a missing column means an unweighted table.
  std::string weight_column = kEventWeightColumn;
  bool require_weight_column = false;
};

// ParseNpyReadOptions reads the upload options columns ("a,b,c") and
// weight_column (a name, or empty for none); other keys are InvalidArgument
// listing the known ones.
[[nodiscard]] absl::StatusOr<NpyReadOptions> ParseNpyReadOptions(
    const std::map<std::string, std::string>& options);

struct NpyWriteOptions {
  // weight_column: write a weighted table's weights as the last column,
  // event_weight. false writes the values alone, for callers that keep the
  // weights elsewhere (and read back with NpyReadOptions::weight_column "").
  bool weight_column = true;
};

[[nodiscard]] absl::Status WriteNpy(const std::string& path, const Table& table);
[[nodiscard]] absl::Status WriteNpy(const std::string& path, const Table& table,
                                    const NpyWriteOptions& options);
[[nodiscard]] absl::StatusOr<Table> ReadNpy(const std::string& path);
[[nodiscard]] absl::StatusOr<Table> ReadNpy(const std::string& path, const NpyReadOptions& options);

// ReadNpyColumnNames reads the names file "<npy_path>.columns", one name per
// line (a CRLF line end accepted), each checked by CheckColumnNames; empty
// when there is none. Errors name the names file. ReadNpy counts the names
// against the array; the client's upload sends them as the option columns=.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ReadNpyColumnNames(const std::string& npy_path);

// NpyColumnsOption joins names into the upload option columns= that
// ParseNpyReadOptions splits. A name holding a comma or starting or ending
// with a space would come back as other names, so it is refused (naming
// `where[i]`) rather than sent.
[[nodiscard]] absl::StatusOr<std::string> NpyColumnsOption(const std::vector<std::string>& names,
                                                           const std::string& where);

// NpyHeader returns the complete .npy preamble (magic, version, header dict,
// padding) for a float32 C-order array of the given shape.
std::string NpyHeader(int64_t rows, int64_t columns);

class NpyWriter {
 public:
  [[nodiscard]] absl::Status Open(const std::string& path, std::vector<std::string> columns,
                                  int64_t rows, const NpyWriteOptions& options = {});
  // Append writes rows of the table, whose columns must match. The first
  // rows appended decide whether the file has the event_weight column: all
  // must then have weights, or none.
  [[nodiscard]] absl::Status Append(const Table& rows);
  // Commit checks the promised row count was written, then publishes the
  // .npy and its .columns sidecar atomically.
  [[nodiscard]] absl::Status Commit();

 private:
  // Start writes the header, once it is known whether weights come.
  [[nodiscard]] absl::Status Start(bool weighted);
  [[nodiscard]] absl::Status WriteWeightedRows(const Table& rows);

  AtomicFileWriter file_;
  std::vector<std::string> columns_;
  int64_t rows_expected_ = 0;
  int64_t rows_written_ = 0;
  NpyWriteOptions options_;
  bool started_ = false;
  bool weighted_ = false;
};

}  // namespace evgen
