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

#include <cstdint>
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
  // WriteAt overwrites bytes already written at `offset` (a streamed
  // header whose numbers are known only at the end, e.g. an LHE <init>
  // block); later writes still go to the end.
  [[nodiscard]] absl::Status WriteAt(int64_t offset, std::string_view bytes);
  // size is the number of bytes written so far.
  int64_t size() const { return size_; }
  // Commit flushes, fsyncs and renames the temporary file onto the target.
  [[nodiscard]] absl::Status Commit();
  // Abandon drops the temporary file; the target keeps its old content.
  void Abandon();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  int64_t size_ = 0;
};

// TempPathFor names a temporary file beside `path`, unique across threads
// and processes, for writers that must create the file themselves (libhdf5)
// and publish it with PublishTempFile.
std::string TempPathFor(const std::string& path);
// PublishTempFile fsyncs `temp_path` and renames it onto `path`; on failure
// it removes the temporary file, so nothing is left behind.
[[nodiscard]] absl::Status PublishTempFile(const std::string& temp_path, const std::string& path);

[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path, std::string_view contents);
[[nodiscard]] absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace evgen
