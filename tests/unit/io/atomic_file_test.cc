#include "core/io/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace evgen {
namespace {

TEST(AtomicFileTest, AbandonedWriteLeavesTheOldContent) {
  const std::string path = std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) + "-atomic.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  {
    AtomicFileWriter writer;
    ASSERT_TRUE(writer.Open(path).ok());
    ASSERT_TRUE(writer.Write("new content").ok());
    // Destroyed without Commit, as when a stream breaks mid-way.
  }
  EXPECT_EQ(*ReadFileToString(path), "old");
  ASSERT_TRUE(WriteFileAtomically(path, "new").ok());
  EXPECT_EQ(*ReadFileToString(path), "new");
  for (const auto& entry : std::filesystem::directory_iterator(::testing::TempDir())) {
    EXPECT_EQ(entry.path().string().find("-atomic.txt.tmp"), std::string::npos);
  }
}

TEST(AtomicFileTest, UnwritableDirectoryIsAnError) {
  AtomicFileWriter writer;
  absl::Status s = writer.Open("/nonexistent-dir/x.npy");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent-dir/x.npy"), std::string::npos);
  EXPECT_EQ(ReadFileToString("/nonexistent-dir/x").status().code(), absl::StatusCode::kNotFound);
}

TEST(AtomicFileTest, ReadingADirectoryIsAnErrorNotAnException) {
  const std::string dir = std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) +
                          "-record.json";
  std::filesystem::create_directories(dir);
  absl::Status s = ReadFileToString(dir).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("directory"), std::string::npos) << s;
  std::filesystem::remove(dir);
}

}  // namespace
}  // namespace evgen
