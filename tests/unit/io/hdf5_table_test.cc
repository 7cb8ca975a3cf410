#include "core/io/hdf5_table.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "core/io/atomic_file.h"

namespace evgen {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) + "-" + name;
}

Table Sample(bool weighted) {
  Table t({"pt_gev", "eta", "mass_gev", "n_tracks"});
  std::vector<float> weights;
  for (int i = 0; i < 500; ++i) {
    t.AppendRow({300.f + 0.37f * i, -2.4f + 0.01f * i, 1e-7f * i, static_cast<float>(i % 40)});
    weights.push_back(0.1f * static_cast<float>(i % 9) - 0.2f);
  }
  if (weighted) {
    EXPECT_TRUE(t.SetWeights(weights).ok());
  }
  return t;
}

void ExpectError(const absl::StatusOr<Table>& t, const std::string& expected,
                 absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
  ASSERT_FALSE(t.ok()) << "want: " << expected;
  EXPECT_EQ(t.status().code(), code) << t.status();
  EXPECT_NE(t.status().message().find(expected), std::string::npos)
      << "got: " << t.status().message() << "\nwant: " << expected;
}

TEST(Hdf5TableTest, RoundTripKeepsValuesNamesAndWeights) {
  for (bool weighted : {false, true}) {
    const Table t = Sample(weighted);
    const std::string path = TempPath("round.h5");
    absl::Status s = WriteHdf5Table(path, t);
    ASSERT_TRUE(s.ok()) << s;
    absl::StatusOr<Table> back = ReadHdf5Table(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->columns(), t.columns());
    EXPECT_EQ(back->values(), t.values());
    EXPECT_EQ(back->has_weights(), weighted);
    EXPECT_EQ(back->weights(), t.weights());
  }
}

// Event numbers up to 2^40 and text categories round-trip exactly: an int64
// dataset "table_int64" and string attributes on "table" (issue 12).
TEST(Hdf5TableTest, ExactIntegersAndCategoriesRoundTrip) {
  const int64_t big = (int64_t{1} << 40) + 7;
  Table t({"run", "event", "kind", "pt"});
  t.AppendRow({1, 0, 1, 10});
  t.AppendRow({1, 0, 0, 20});
  ASSERT_TRUE(t.SetInt64Column("event", {big, big + 1}).ok());
  ASSERT_TRUE(t.SetCategories({"EB", "EE"}, {"kind"}).ok());
  const std::string path = TempPath("typed.h5");
  ASSERT_TRUE(WriteHdf5Table(path, t).ok());
  absl::StatusOr<Table> back = ReadHdf5Table(path);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_NE(back->int64_column("event"), nullptr);
  EXPECT_EQ(*back->int64_column("event"), (std::vector<int64_t>{big, big + 1}));
  EXPECT_EQ(back->category_labels(), (std::vector<std::string>{"EB", "EE"}));
  EXPECT_EQ(back->category_columns(), std::vector<std::string>{"kind"});
  EXPECT_EQ(back->values(), t.values());
}

TEST(Hdf5TableTest, LayoutIsADatasetWithAColumnsAttribute) {
  const std::string path = TempPath("layout.h5");
  ASSERT_TRUE(WriteHdf5Table(path, Sample(true)).ok());
  absl::StatusOr<Hdf5File> file = Hdf5File::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->DatasetNames(), (std::vector<std::string>{"table", "weights"}));
  absl::StatusOr<Hdf5Array> table = file->Read("table");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->shape, (std::vector<int64_t>{500, 4}));
  EXPECT_EQ(table->column_names, Sample(false).columns());
  absl::StatusOr<Hdf5Array> weights = file->Read("/weights");
  ASSERT_TRUE(weights.ok()) << weights.status();
  EXPECT_EQ(weights->shape, (std::vector<int64_t>{500}));
}

TEST(Hdf5TableTest, DatasetNamesAreOptionsAndMayLiveInGroups) {
  const std::string path = TempPath("named.h5");
  absl::StatusOr<Hdf5TableOptions> options =
      ParseHdf5TableOptions({{"dataset", "events/kinematics"}, {"weights_dataset", "events/w"}});
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_TRUE(WriteHdf5Table(path, Sample(true), *options).ok());
  absl::StatusOr<Table> back = ReadHdf5TableWithOptions(
      path, {{"dataset", "events/kinematics"}, {"weights_dataset", "events/w"}});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->values(), Sample(true).values());
  EXPECT_EQ(back->weights(), Sample(true).weights());
  ExpectError(ReadHdf5Table(path), "no dataset 'table'; the file has events");
  ExpectError(ReadHdf5TableWithOptions(path, {{"dataset", "events"}}),
              "dataset 'events' is not a dataset");
  ExpectError(ReadHdf5TableWithOptions(path, {{"group", "x"}}), "unknown option 'group'");
}

std::string Bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The same rows make the same file a second later: HDF5 would stamp every
// object header (root, groups, datasets) with its times, and a sample
// written twice with one seed would differ in ten bytes. Each of the three
// writers, with datasets in groups.
TEST(Hdf5TableTest, SameRowsWriteTheSameBytesLater) {
  const auto write = [](const std::string& tag) {
    absl::StatusOr<Hdf5TableOptions> options =
        ParseHdf5TableOptions({{"dataset", "events/kinematics"}, {"weights_dataset", "events/w"}});
    ASSERT_TRUE(options.ok()) << options.status();
    ASSERT_TRUE(WriteHdf5Table(TempPath(tag + "-table.h5"), Sample(true), *options).ok());
    Hdf5ArraysWriter writer;
    ASSERT_TRUE(writer.Open(TempPath(tag + "-arrays.h5")).ok());
    absl::StatusOr<int> index = writer.AddDataset("jets/particle_features", {3, 2}, 4);
    ASSERT_TRUE(index.ok()) << index.status();
    const std::vector<float> values(5 * 3 * 2, 0.25f);
    ASSERT_TRUE(writer.AppendRows(*index, values.data(), 5).ok());
    ASSERT_TRUE(writer.Commit().ok());
    Hdf5Array array{"deep/er/values", {2, 2}, {1, 2, 3, 4}, {"a", "b"}};
    ASSERT_TRUE(WriteHdf5Arrays(TempPath(tag + "-image.h5"), {array}).ok());
  };
  write("first");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the times' resolution is a second
  write("second");
  for (const char* kind : {"-table.h5", "-arrays.h5", "-image.h5"}) {
    const std::string first = Bytes(TempPath(std::string("first") + kind));
    ASSERT_FALSE(first.empty()) << kind;
    EXPECT_TRUE(first == Bytes(TempPath(std::string("second") + kind))) << kind << " differs";
  }
  absl::StatusOr<Hdf5File> file = Hdf5File::Open(TempPath("second-image.h5"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->Has("deep/er/values"));
}

TEST(Hdf5TableTest, ReadsFloat64DatasetsAndNumbersUnnamedColumns) {
  const std::string path = TempPath("f8.h5");
  Hdf5Array a{"table", {2, 3}, {1.5f, -2.25f, 1e10f, 4.f, 5.f, 6.f}, {}, /*store_float64=*/true};
  ASSERT_TRUE(WriteHdf5Arrays(path, {a}).ok());
  absl::StatusOr<Table> back = ReadHdf5Table(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), (std::vector<std::string>{"col0", "col1", "col2"}));
  EXPECT_EQ(back->values(), a.values);
  EXPECT_FALSE(back->has_weights());
}

TEST(Hdf5TableTest, RejectsBadFilesWithPreciseMessages) {
  ExpectError(ReadHdf5Table(TempPath("missing.h5")), "cannot open", absl::StatusCode::kNotFound);

  const std::string empty = TempPath("empty.h5");
  ASSERT_TRUE(WriteFileAtomically(empty, "").ok());
  ExpectError(ReadHdf5Table(empty), empty + ": empty file");

  const std::string text = TempPath("text.h5");
  ASSERT_TRUE(WriteFileAtomically(text, "pt_gev,eta\n1,2\n").ok());
  ExpectError(ReadHdf5Table(text), text + ": not an HDF5 file");

  const std::string good = TempPath("good.h5");
  ASSERT_TRUE(WriteHdf5Table(good, Sample(true)).ok());
  absl::StatusOr<std::string> bytes = ReadFileToString(good);
  ASSERT_TRUE(bytes.ok());
  const std::string cut = TempPath("cut.h5");
  ASSERT_TRUE(WriteFileAtomically(cut, bytes->substr(0, bytes->size() / 2)).ok());
  ExpectError(ReadHdf5Table(cut), cut + ": cannot open as HDF5: the file is truncated or corrupt");

  const std::string rank3 = TempPath("rank3.h5");
  ASSERT_TRUE(WriteHdf5Arrays(rank3, {Hdf5Array{"table", {2, 2, 1}, {1, 2, 3, 4}, {}}}).ok());
  ExpectError(ReadHdf5Table(rank3), "dataset 'table' has rank 3 (shape [2, 2, 1]), expected 2");

  const std::string rank1 = TempPath("rank1.h5");
  ASSERT_TRUE(WriteHdf5Arrays(rank1, {Hdf5Array{"table", {4}, {1, 2, 3, 4}, {}}}).ok());
  ExpectError(ReadHdf5Table(rank1), "has rank 1 (shape [4]), expected 2");

  const std::string names = TempPath("names.h5");
  ASSERT_TRUE(
      WriteHdf5Arrays(names, {Hdf5Array{"table", {1, 3}, {1, 2, 3}, {"a", "b"}}}).ok());
  ExpectError(ReadHdf5Table(names), "attribute 'columns' has 2 names, dataset 'table' has 3 columns");

  // Names a table cannot keep apart (an empty one vanished from the
  // names file of evgend's parser process; fuzz/regressions/hdf5).
  const std::string unnamed = TempPath("unnamed.h5");
  ASSERT_TRUE(WriteHdf5Arrays(unnamed, {Hdf5Array{"table", {1, 3}, {1, 2, 3}, {"a", "", "c"}}}).ok());
  ExpectError(ReadHdf5Table(unnamed), unnamed + ": attribute 'columns'[1]: empty column name");
  const std::string newline = TempPath("newline.h5");
  ASSERT_TRUE(WriteHdf5Arrays(newline, {Hdf5Array{"table", {1, 3}, {1, 2, 3}, {"a", "b\nc", "d"}}}).ok());
  ExpectError(ReadHdf5Table(newline), ": attribute 'columns'[1]: column name holds a control character");
  const std::string twice = TempPath("twice.h5");
  ASSERT_TRUE(WriteHdf5Arrays(twice, {Hdf5Array{"table", {1, 3}, {1, 2, 3}, {"a", "b", "a"}}}).ok());
  ExpectError(ReadHdf5Table(twice), twice + ": attribute 'columns'[2]: column 'a' appears twice");

  const std::string zero = TempPath("zero.h5");
  ASSERT_TRUE(WriteHdf5Arrays(zero, {Hdf5Array{"table", {0, 3}, {}, {"a", "b", "c"}}}).ok());
  ExpectError(ReadHdf5Table(zero), "dataset 'table' is empty (shape [0, 3])");

  const std::string weights = TempPath("weights.h5");
  ASSERT_TRUE(WriteHdf5Arrays(weights, {Hdf5Array{"table", {2, 1}, {1, 2}, {"a"}},
                                        Hdf5Array{"weights", {3}, {1, 1, 1}, {}}})
                  .ok());
  ExpectError(ReadHdf5Table(weights), "weights dataset 'weights' has shape [3], expected [2]");
}

TEST(Hdf5TableTest, WriterRejectsEmptyTablesAndBadShapesAndLeavesNoFile) {
  const std::string path = TempPath("nothing.h5");
  absl::Status s = WriteHdf5Table(path, Table({"a"}));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("no rows"), std::string::npos) << s;
  s = WriteHdf5Arrays(path, {Hdf5Array{"table", {2, 2}, {1, 2, 3}, {}}});
  EXPECT_NE(s.message().find("shape [2, 2] needs 4 values, got 3"), std::string::npos) << s;
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace evgen
