// staging_dir.h: StagingDir, the write-then-rename step for whole directories.
//
// Stores build a new dataset or model version in a hidden staging directory
// beside its final place and publish it with one rename(2), so readers see
// either nothing or the complete directory. A StagingDir destroyed before
// Publish() deletes what it held.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace evgen {

class StagingDir {
 public:
  StagingDir() = default;
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  ~StagingDir();

  // Create makes <parent>/.staging-<unique>.
  [[nodiscard]] absl::Status Create(const std::string& parent);
  // Publish renames the staging directory to `target`, which must not exist.
  [[nodiscard]] absl::Status Publish(const std::string& target);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// PrepareStoreRoot creates `root` and removes staging and trash leftovers of a
// crashed process.
[[nodiscard]] absl::Status PrepareStoreRoot(const std::string& root);

// RemoveDirAtomically first renames `dir` to a hidden trash name inside
// `root` (atomic: it vanishes from listings at once), then deletes it.
[[nodiscard]] absl::Status RemoveDirAtomically(const std::string& root, const std::string& dir);

}  // namespace evgen
