// test_dirs.h: fresh per-process scratch directories for unit tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace evgen::testing {

// FreshDir returns an empty-or-absent path under the test temp dir, unique to
// this process so parallel test runs never share it.
inline std::string FreshDir(const std::string& name) {
  std::string dir = std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) + "-" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

// FreshEmptyDir is FreshDir, created.
inline std::string FreshEmptyDir(const std::string& name) {
  std::string dir = FreshDir(name);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace evgen::testing
