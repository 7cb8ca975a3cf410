// data_dir_lock.h: DataDirLock, the one-server-per-data-directory rule.
//
// evgend cleans its data directory at start-up (staging leftovers, jobs left
// RUNNING) on the assumption that it is the only server using it; a second
// server on the same directory would delete the first one's in-flight
// uploads and mark its running jobs interrupted. The lock is an exclusive
// flock(2) on <dir>/evgend.lock holding the owner's pid; the kernel drops it
// when the process ends, however it ends, so a crash never leaves it stale.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace evgen {

class DataDirLock {
 public:
  // Acquire creates `dir` if needed and takes the lock, or answers
  // FailedPrecondition naming the directory and the holder's pid.
  [[nodiscard]] static absl::StatusOr<DataDirLock> Acquire(const std::string& dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace evgen
