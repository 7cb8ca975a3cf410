#include "core/store/dataset_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <limits>
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using ::evgen::testing::FreshDir;

Table Small() {
  Table t({"x", "y"});
  t.AppendRow({1.f, 10.f});
  t.AppendRow({3.f, 30.f});
  return t;
}

TEST(DatasetStoreTest, PutGetDescribeListDelete) {
  const std::string dir = FreshDir("datasets");
  DatasetStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  absl::StatusOr<DatasetInfo> info = store.Put("d1", Small(), "test", 5);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->rows, 2);
  ASSERT_EQ(info->summaries.size(), 2u);
  EXPECT_DOUBLE_EQ(info->summaries[0].mean, 2.0);
  EXPECT_DOUBLE_EQ(info->summaries[0].stddev, 1.0);
  EXPECT_DOUBLE_EQ(info->summaries[1].max, 30.0);
  EXPECT_EQ(store.Put("d1", Small(), "test", 5).status().code(), absl::StatusCode::kAlreadyExists);

  // A second store over the same directory (a restarted server) sees it.
  DatasetStore reopened(dir);
  ASSERT_TRUE(reopened.Init().ok());
  absl::StatusOr<std::shared_ptr<const Table>> table = reopened.Get("d1");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ((*table)->values(), Small().values());
  EXPECT_EQ(reopened.Describe("d1")->seed, 5u);
  ASSERT_EQ(reopened.List().size(), 1u);

  ASSERT_TRUE(reopened.Delete("d1").ok());
  EXPECT_EQ(reopened.Get("d1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reopened.Delete("d1").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(reopened.List().empty());
}

TEST(DatasetStoreTest, MissingValuesAreCountedNotAveraged) {
  DatasetStore store(FreshDir("datasets-nan"));
  ASSERT_TRUE(store.Init().ok());
  Table t({"x"});
  for (float v : {1.f, std::numeric_limits<float>::quiet_NaN(), 3.f}) t.AppendRow({v});
  ASSERT_TRUE(store.Put("nan", t, "test", 1).ok());
  absl::StatusOr<DatasetInfo> info = store.Describe("nan");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_DOUBLE_EQ(info->summaries[0].mean, 2.0);
  EXPECT_EQ(info->summaries[0].non_finite, 1);
  EXPECT_DOUBLE_EQ(info->summaries[0].quantiles[3], 1.0);
}

TEST(DatasetStoreTest, RejectsUnsafeNamesAndEmptyTables) {
  DatasetStore store(FreshDir("datasets-bad"));
  ASSERT_TRUE(store.Init().ok());
  for (const std::string& name : std::vector<std::string>{"", "../x", ".hidden", "a/b", std::string(65, 'a'), "sp ace"}) {
    absl::Status s = store.Put(name, Small(), "t", 1).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_NE(s.message().find("[A-Za-z0-9_.-]"), std::string::npos);
  }
  EXPECT_EQ(store.Put("empty", Table({"x"}), "t", 1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DatasetStoreTest, StagingLeftoversOfACrashAreRemovedAndNeverListed) {
  const std::string dir = FreshDir("datasets-crash");
  std::filesystem::create_directories(dir + "/.staging-123-0");
  std::filesystem::create_directories(dir + "/ok");  // a directory without meta.json
  DatasetStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  EXPECT_FALSE(std::filesystem::exists(dir + "/.staging-123-0"));
  EXPECT_TRUE(store.List().empty());
}

}  // namespace
}  // namespace evgen
