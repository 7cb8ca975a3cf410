// atomic_file.h: crash-safe file writes.
//
// Readers must never see a half-written file: every file evgen writes (stored
// datasets, models, job records, the client's sample outputs) is written to a
// temporary file in the same directory, flushed to disk, then renamed over the
// target, which POSIX makes atomic. An AtomicFileWriter that is destroyed
// without Commit() removes its temporary file and leaves the target untouched.
//
// Example:
//   AtomicFileWriter out;
//   EVGEN_RETURN_IF_ERROR(out.Open("/data/x.npy"));
//   EVGEN_RETURN_IF_ERROR(out.Write(bytes));
//   EVGEN_RETURN_IF_ERROR(out.Commit());
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace evgen {

class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  [[nodiscard]] absl::Status Open(const std::string& path);
  [[nodiscard]] absl::Status Write(std::string_view bytes);
  [[nodiscard]] absl::Status Write(const void* data, size_t size);
  // Commit flushes, fsyncs and renames the temporary file onto the target.
  [[nodiscard]] absl::Status Commit();
  // Abandon drops the temporary file; the target keeps its old content.
  void Abandon();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
};

[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path, std::string_view contents);
[[nodiscard]] absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace evgen
