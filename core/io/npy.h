// npy.h: NumPy .npy files (format version 1.0) <-> Table.
//
// evgen writes little-endian float32 ('<f4'), C order, shape (rows, columns).
// NumPy has no column names, so the names go to a sidecar text file
// "<path>.columns" (one name per line); readers use it when present and name
// columns col0, col1, ... otherwise. Reading accepts '<f4' and '<f8' (converted
// to float32), 1-D arrays (one column) and 2-D C-order arrays.
//
// NpyWriter streams rows to disk for outputs too large to hold in memory; the
// row count is fixed up front because the header carries the shape.
//
// Example:
//   EVGEN_RETURN_IF_ERROR(WriteNpy("jets.npy", table));
//   EVGEN_ASSIGN_OR_RETURN(Table back, ReadNpy("jets.npy"));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/atomic_file.h"
#include "core/io/table.h"

namespace evgen {

[[nodiscard]] absl::Status WriteNpy(const std::string& path, const Table& table);
[[nodiscard]] absl::StatusOr<Table> ReadNpy(const std::string& path);

// NpyHeader returns the complete .npy preamble (magic, version, header dict,
// padding) for a float32 C-order array of the given shape.
std::string NpyHeader(int64_t rows, int64_t columns);

class NpyWriter {
 public:
  [[nodiscard]] absl::Status Open(const std::string& path, std::vector<std::string> columns,
                                  int64_t rows);
  // Append writes rows of the table, whose columns must match.
  [[nodiscard]] absl::Status Append(const Table& rows);
  // Commit checks the promised row count was written, then publishes the
  // .npy and its .columns sidecar atomically.
  [[nodiscard]] absl::Status Commit();

 private:
  AtomicFileWriter file_;
  std::vector<std::string> columns_;
  int64_t rows_expected_ = 0;
  int64_t rows_written_ = 0;
};

}  // namespace evgen
