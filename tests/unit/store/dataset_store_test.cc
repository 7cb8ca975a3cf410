#include "core/store/dataset_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <limits>
#include <thread>
#include <vector>

#include "core/io/atomic_file.h"
#include "nlohmann/json.hpp"
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

// OneColumn has `rows` rows of one column, so 4 * rows bytes in the cache.
Table OneColumn(int rows) {
  Table t({"x"});
  for (int r = 0; r < rows; ++r) t.AppendRow({static_cast<float>(r)});
  return t;
}

// Jets has a "region" column: 2 control, 3 validation, 1 signal rows.
Table Jets() {
  Table t({"pt_gev", "region"});
  for (float region : {1.f, 2.f, 2.f, 3.f, 1.f, 2.f}) t.AppendRow({300.f, region});
  return t;
}

const std::map<std::string, int64_t> kJetsRegionRows = {
    {"control", 2}, {"validation", 3}, {"signal", 1}};

// RemoveData deletes a dataset's table behind the store's back: a Get that
// still succeeds afterwards was answered from the cache.
void RemoveData(const std::string& dir, const std::string& name) {
  ASSERT_TRUE(std::filesystem::remove(dir + "/" + name + "/data.npy"));
}

TEST(DatasetStoreCacheTest, EvictsTheLeastRecentlyUsedTable) {
  const std::string dir = FreshDir("datasets-lru");
  DatasetStore store(dir, DatasetStoreConfig{100});  // room for two 40-byte tables
  ASSERT_TRUE(store.Init().ok());
  ASSERT_TRUE(store.Put("a", OneColumn(10), "test", 1).ok());
  ASSERT_TRUE(store.Put("b", OneColumn(10), "test", 1).ok());
  ASSERT_TRUE(store.Get("a").ok());  // now b is the least recently used
  ASSERT_TRUE(store.Put("c", OneColumn(10), "test", 1).ok());
  EXPECT_EQ(store.cached_bytes(), 80);

  for (const char* name : {"a", "b", "c"}) RemoveData(dir, name);
  EXPECT_TRUE(store.Get("a").ok());
  EXPECT_TRUE(store.Get("c").ok());
  EXPECT_FALSE(store.Get("b").ok());
}

TEST(DatasetStoreCacheTest, CachedBytesNeverExceedTheBound) {
  const std::string dir = FreshDir("datasets-bound");
  DatasetStore writer(dir);
  ASSERT_TRUE(writer.Init().ok());
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(writer.Put("d" + std::to_string(i), OneColumn(10 + 5 * i), "test", 1).ok());
  }
  DatasetStore store(dir, DatasetStoreConfig{150});
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 6; ++i) {
      absl::StatusOr<std::shared_ptr<const Table>> table = store.Get("d" + std::to_string(i));
      ASSERT_TRUE(table.ok()) << table.status();
      EXPECT_EQ((*table)->num_rows(), 10 + 5 * i);
      EXPECT_LE(store.cached_bytes(), 150);
      EXPECT_GE(store.cached_bytes(), 4 * (10 + 5 * i));  // the table just read is kept
    }
  }
}

TEST(DatasetStoreCacheTest, TableLargerThanTheBoundIsServedButNotCached) {
  const std::string dir = FreshDir("datasets-oversized");
  DatasetStore store(dir, DatasetStoreConfig{100});
  ASSERT_TRUE(store.Init().ok());
  ASSERT_TRUE(store.Put("small", OneColumn(10), "test", 1).ok());
  ASSERT_TRUE(store.Put("big", OneColumn(30), "test", 1).ok());  // 120 bytes
  absl::StatusOr<std::shared_ptr<const Table>> big = store.Get("big");
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ((*big)->num_rows(), 30);
  EXPECT_EQ(store.cached_bytes(), 40);  // and the small table was not evicted for it

  RemoveData(dir, "big");
  RemoveData(dir, "small");
  EXPECT_FALSE(store.Get("big").ok());
  EXPECT_TRUE(store.Get("small").ok());
}

TEST(DatasetStoreCacheTest, ZeroBoundCachesNothing) {
  const std::string dir = FreshDir("datasets-nocache");
  DatasetStore store(dir, DatasetStoreConfig{0});
  ASSERT_TRUE(store.Init().ok());
  ASSERT_TRUE(store.Put("a", OneColumn(10), "test", 1).ok());
  ASSERT_TRUE(store.Get("a").ok());
  EXPECT_EQ(store.cached_bytes(), 0);
}

TEST(DatasetStoreCacheTest, EvictedTableStaysValidForItsHolder) {
  const std::string dir = FreshDir("datasets-held");
  DatasetStore store(dir, DatasetStoreConfig{40});
  ASSERT_TRUE(store.Init().ok());
  ASSERT_TRUE(store.Put("a", OneColumn(10), "test", 1).ok());
  absl::StatusOr<std::shared_ptr<const Table>> held = store.Get("a");
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(store.Put("b", OneColumn(10), "test", 1).ok());  // evicts a
  RemoveData(dir, "a");
  EXPECT_FALSE(store.Get("a").ok());
  EXPECT_EQ((*held)->values(), OneColumn(10).values());
}

TEST(DatasetStoreCacheTest, ConcurrentGetsShareOneRead) {
  const std::string dir = FreshDir("datasets-concurrent");
  {
    DatasetStore writer(dir);
    ASSERT_TRUE(writer.Init().ok());
    ASSERT_TRUE(writer.Put("a", OneColumn(100000), "test", 1).ok());
  }
  DatasetStore store(dir);
  std::vector<std::shared_ptr<const Table>> got(4);
  std::vector<std::thread> readers;
  for (auto& slot : got) {
    readers.emplace_back([&store, &slot] { slot = *store.Get("a"); });
  }
  for (std::thread& t : readers) t.join();
  for (const auto& table : got) EXPECT_EQ(table, got[0]);
  EXPECT_EQ(store.cached_bytes(), 400000);
}

TEST(DatasetStoreTest, DeleteDropsTheCachedTable) {
  const std::string dir = FreshDir("datasets-delete");
  DatasetStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  ASSERT_TRUE(store.Put("a", OneColumn(10), "test", 1).ok());
  ASSERT_TRUE(store.Delete("a").ok());
  EXPECT_EQ(store.cached_bytes(), 0);
  EXPECT_EQ(store.Get("a").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store.Put("a", OneColumn(3), "test", 1).ok());
  EXPECT_EQ((*store.Get("a"))->num_rows(), 3);
}

TEST(DatasetStoreTest, DescribeAndListAnswerRegionRowsWithoutReadingTheTable) {
  const std::string dir = FreshDir("datasets-regions");
  {
    DatasetStore writer(dir);
    ASSERT_TRUE(writer.Init().ok());
    absl::StatusOr<DatasetInfo> put = writer.Put("jets", Jets(), "test", 1);
    ASSERT_TRUE(put.ok()) << put.status();
    EXPECT_EQ(put->region_rows, kJetsRegionRows);
    ASSERT_TRUE(writer.Put("plain", Small(), "test", 1).ok());
  }
  RemoveData(dir, "jets");
  RemoveData(dir, "plain");
  DatasetStore store(dir);
  absl::StatusOr<DatasetInfo> info = store.Describe("jets");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->region_rows, kJetsRegionRows);
  EXPECT_EQ(info->rows, 6);
  absl::StatusOr<DatasetInfo> plain = store.Describe("plain");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_TRUE(plain->region_rows.empty());
  const std::vector<DatasetInfo> listed = store.List();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].region_rows, kJetsRegionRows);
  EXPECT_EQ(store.cached_bytes(), 0);
}

TEST(DatasetStoreTest, RecordWithoutRegionRowsIsCountedOnceAndRewritten) {
  const std::string dir = FreshDir("datasets-old-record");
  {
    DatasetStore writer(dir);
    ASSERT_TRUE(writer.Init().ok());
    ASSERT_TRUE(writer.Put("jets", Jets(), "test", 7).ok());
  }
  // Make the record look like one written before region rows were stored.
  const std::string meta = dir + "/jets/meta.json";
  nlohmann::json old = nlohmann::json::parse(*ReadFileToString(meta));
  old.erase("region_rows");
  ASSERT_TRUE(WriteFileAtomically(meta, old.dump(2)).ok());

  DatasetStore store(dir);
  EXPECT_TRUE(store.List().at(0).region_rows.empty());  // List never reads the table
  absl::StatusOr<DatasetInfo> info = store.Describe("jets");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->region_rows, kJetsRegionRows);
  EXPECT_EQ(info->seed, 7u);

  // The counts are now in meta.json: a fresh store answers without the table.
  RemoveData(dir, "jets");
  DatasetStore reopened(dir);
  absl::StatusOr<DatasetInfo> again = reopened.Describe("jets");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->region_rows, kJetsRegionRows);
  EXPECT_EQ(again->summaries.size(), 2u);
}

TEST(DatasetStoreTest, DuplicateColumnNamesAreRefusedByName) {
  const std::string dir = FreshDir("datasets-duplicates");
  DatasetStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  Table t({"x", "y", "x", "z", "y"});
  t.AppendRow({1.f, 2.f, 3.f, 4.f, 5.f});
  absl::Status s = store.Put("dup", t, "test", 1).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'x', 'y'"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("'z'"), std::string::npos) << s.message();
  EXPECT_TRUE(store.List().empty());
  EXPECT_EQ(store.cached_bytes(), 0);
}

}  // namespace
// Weights are data: a restarted server (a second store over the directory)
// must return them exactly, and meta.json must say the dataset has them.
TEST(DatasetStoreTest, WeightsSurviveARestartExactly) {
  const std::string dir = FreshDir("datasets");
  DatasetStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  Table t = Small();
  const std::vector<float> weights = {0.25f, -1.5e-7f};
  ASSERT_TRUE(t.SetWeights(weights).ok());
  absl::StatusOr<DatasetInfo> info = store.Put("w", t, "test", 1);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->weighted);
  EXPECT_EQ(info->negative_weights, 1);
  EXPECT_DOUBLE_EQ(info->weight_sum, double{0.25f} + double{-1.5e-7f});

  DatasetStore reopened(dir);
  ASSERT_TRUE(reopened.Init().ok());
  absl::StatusOr<std::shared_ptr<const Table>> back = reopened.Get("w");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->values(), t.values());
  EXPECT_EQ((*back)->weights(), weights);
  EXPECT_TRUE(reopened.Describe("w")->weighted);
  ASSERT_TRUE(reopened.Put("u", Small(), "test", 1).ok());
  EXPECT_FALSE(reopened.Describe("u")->weighted);
  EXPECT_FALSE(DatasetStore(dir).Get("u").value()->has_weights());
}

TEST(DatasetStoreTest, WeightedDatasetWithoutItsWeightsFileIsDataLoss) {
  const std::string dir = FreshDir("datasets");
  DatasetStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  Table t = Small();
  ASSERT_TRUE(t.SetWeights({2.f, 3.f}).ok());
  ASSERT_TRUE(store.Put("w", t, "test", 1).ok());
  std::filesystem::remove(dir + "/w/weights.npy");
  DatasetStore reopened(dir);
  absl::Status s = reopened.Get("w").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("weights file is missing"), std::string::npos) << s;
}

TEST(DatasetStoreTest, ExactIntegersAndCategoriesSurviveARestart) {
  const std::string dir = FreshDir("datasets");
  DatasetStore store(dir);
  ASSERT_TRUE(store.Init().ok());
  const int64_t big = (int64_t{1} << 40) + 5;
  Table t({"run", "event", "kind"});
  t.AppendRow({0, 0, 1});
  t.AppendRow({0, 0, 0});
  ASSERT_TRUE(t.SetInt64Column("event", {big, big + 1}).ok());
  ASSERT_TRUE(t.SetInt64Column("run", {165617, 165618}).ok());
  ASSERT_TRUE(t.SetCategories({"EB", "EE"}, {"kind"}).ok());
  absl::StatusOr<DatasetInfo> info = store.Put("typed", t, "test", 1);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->int64_columns, (std::vector<std::string>{"event", "run"}));
  DatasetStore reopened(dir);
  absl::StatusOr<std::shared_ptr<const Table>> back = reopened.Get("typed");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*(*back)->int64_column("event"), (std::vector<int64_t>{big, big + 1}));
  EXPECT_EQ(*(*back)->int64_column("run"), (std::vector<int64_t>{165617, 165618}));
  EXPECT_EQ((*back)->category_labels(), (std::vector<std::string>{"EB", "EE"}));
  EXPECT_EQ(reopened.Describe("typed")->category_columns, std::vector<std::string>{"kind"});
  std::filesystem::remove(dir + "/typed/exact.i64");
  EXPECT_EQ(DatasetStore(dir).Get("typed").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace evgen
