#include "core/io/table_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/match.h"

namespace evgen {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) + "-" + name;
}

// The client opens its output with the row total a server stream promises,
// so a hostile total must be refused before it sizes anything.
TEST(StreamingTableWriterTest, RefusesPromisedRowCountsThatOverflowOrAreNegative) {
  for (const std::string format : {"npy", "csv", "hdf5"}) {
    SCOPED_TRACE(format);
    const std::string path = TempPath("promised." + format);
    StreamingTableWriter writer;
    absl::Status s = writer.Open(path, {"a", "b", "c", "d"}, int64_t{1} << 62, format);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(s.message(), path + ": promised rows x 4 columns")) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), "does not fit in a 64-bit size")) << s;
    StreamingTableWriter negative;
    s = negative.Open(path, {"a"}, -1, format);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(s.message(), "size -1 is negative")) << s;
    EXPECT_FALSE(std::filesystem::exists(path));
  }
}

TEST(StreamingTableWriterTest, ALargePromiseIsNotReservedButStillWritten) {
  // 2^40 promised values are not reserved; the rows that do arrive are
  // written, and the shortfall is reported at Commit.
  const std::string path = TempPath("large.h5");
  StreamingTableWriter writer;
  ASSERT_TRUE(writer.Open(path, {"a"}, int64_t{1} << 40, "hdf5").ok());
  ASSERT_TRUE(writer.Append(*Table::Create({"a"}, {1.f, 2.f})).ok());
  EXPECT_EQ(writer.Commit().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace evgen
