// table_file.h: reads and writes a Table in the format its file name's
// extension names (.csv, .npy), for the CLI and the stores.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

[[nodiscard]] absl::StatusOr<Table> ReadTableFile(const std::string& path);
[[nodiscard]] absl::Status WriteTableFile(const std::string& path, const Table& table);

}  // namespace evgen

namespace evgen {

// StreamingTableWriter writes a table of known size row block by row block to
// .npy or .csv, publishing the file atomically on Commit(); abandoned writes
// leave nothing behind. Memory use is independent of the table size.
class StreamingTableWriter {
 public:
  StreamingTableWriter();
  ~StreamingTableWriter();
  [[nodiscard]] absl::Status Open(const std::string& path, std::vector<std::string> columns,
                                  int64_t rows);
  [[nodiscard]] absl::Status Append(const Table& rows);
  [[nodiscard]] absl::Status Commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evgen
