#include "core/io/table_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

#include "absl/strings/match.h"
#include "core/io/atomic_file.h"
#include "core/io/hdf5_table.h"
#include "core/io/isolated_reader.h"

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

// A jet-cloud table streamed to .h5 without a format name takes the JetNet
// layout (what jet tools read); --format hdf5 keeps the flat table.
TEST(StreamingTableWriterTest, JetCloudTablesGoIntoH5AsJetNet) {
  const std::vector<std::string> columns = {"jet", "constituent", "log_pt", "eta_rel", "phi_rel", "n_constituents"};
  Table jets(columns);
  jets.AppendRow({0.f, 0.f, 6.f, 0.1f, 0.f, 2.f});
  jets.AppendRow({0.f, 1.f, 5.f, -0.1f, 0.2f, 2.f});
  for (const std::string format : {"", "hdf5"}) {
    SCOPED_TRACE(format);
    const std::string path = TempPath("jets.h5");
    StreamingTableWriter writer;
    ASSERT_TRUE(writer.Open(path, columns, 2, format).ok());
    ASSERT_TRUE(writer.Append(jets).ok());
    ASSERT_TRUE(writer.Commit().ok());
    absl::StatusOr<Hdf5File> file = Hdf5File::Open(path);
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(file->Has("particle_features"), format.empty());
    EXPECT_EQ(file->Has("table"), !format.empty());
    absl::StatusOr<Table> back = ReadTableFile(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->num_rows(), 2);
    EXPECT_EQ(back->at(1, *back->ColumnIndex("log_pt")), 5.f);
  }
}

// TtbarRows is the ttbar-allhad layout p1..p6 with random momenta and
// weights, as a four-vector GAN samples it.
Table TtbarRows(int rows) {
  std::vector<std::string> columns;
  for (int i = 1; i <= 6; ++i) {
    for (const char* c : {"_e_gev", "_px_gev", "_py_gev", "_pz_gev"}) columns.push_back("p" + std::to_string(i) + c);
  }
  Table t(columns);
  std::mt19937 rng(11);
  std::normal_distribution<float> p(0.f, 50.f);
  std::vector<float> weights;
  for (int r = 0; r < rows; ++r) {
    std::vector<float> row;
    for (int i = 0; i < 6; ++i) {
      const float x = p(rng), y = p(rng), z = p(rng);
      row.insert(row.end(), {std::sqrt(x * x + y * y + z * z) + 1.f, x, y, z});
    }
    t.AppendRow(row.data());
    weights.push_back(0.25f + static_cast<float>(r % 3));
  }
  EXPECT_TRUE(t.SetWeights(weights).ok());
  return t;
}

std::string FreshDir(const std::string& name) {
  const std::string dir = TempPath(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(StreamingTableWriterTest, EveryFormatStreamsBlocksThatReadBackTheSameTable) {
  const Table t = TtbarRows(300);
  const std::string dir = FreshDir("stream-formats");
  for (const std::string name : {"t.npy", "t.csv", "t.h5", "t.lhe", "t.hepmc3"}) {
    SCOPED_TRACE(name);
    const std::string path = dir + "/" + name;
    StreamingTableWriter writer;
    ASSERT_TRUE(writer.Open(path, t.columns(), t.num_rows()).ok());
    for (int64_t r = 0; r < t.num_rows(); r += 64) ASSERT_TRUE(writer.Append(t.SliceRows(r, r + 64)).ok());
    ASSERT_TRUE(writer.Commit().ok());
    absl::StatusOr<Table> back = ReadTableFile(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->columns(), t.columns());
    EXPECT_EQ(back->weights(), t.weights());
    ASSERT_EQ(back->num_rows(), t.num_rows());
    // The text formats print float32 values exactly too.
    EXPECT_EQ(back->values(), t.values());
  }
}

TEST(StreamingTableWriterTest, AbandonedWritesLeaveNothingInEveryFormat) {
  const Table t = TtbarRows(10);
  const std::string dir = FreshDir("stream-abandon");
  for (const std::string name : {"t.npy", "t.csv", "t.h5", "t.lhe", "t.hepmc3"}) {
    {
      StreamingTableWriter writer;
      ASSERT_TRUE(writer.Open(dir + "/" + name, t.columns(), t.num_rows()).ok()) << name;
      ASSERT_TRUE(writer.Append(t.SliceRows(0, 4)).ok()) << name;
    }
    StreamingTableWriter short_write;
    ASSERT_TRUE(short_write.Open(dir + "/" + name, t.columns(), t.num_rows()).ok()) << name;
    ASSERT_TRUE(short_write.Append(t.SliceRows(0, 4)).ok()) << name;
    EXPECT_EQ(short_write.Commit().code(), absl::StatusCode::kDataLoss) << name;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(StreamingTableWriterTest, Hdf5KeepsExactIntegersAndCategoriesAcrossBlocks) {
  Table t({"run", "kind", "x"});
  std::vector<int64_t> runs;
  for (int r = 0; r < 10; ++r) {
    t.AppendRow({static_cast<float>(r), static_cast<float>(r % 2), 0.5f * r});
    runs.push_back((int64_t{1} << 40) + r);
  }
  ASSERT_TRUE(t.SetInt64Column("run", runs).ok());
  ASSERT_TRUE(t.SetCategories({"G", "T"}, {"kind"}).ok());
  const std::string path = FreshDir("stream-h5-types") + "/t.h5";
  StreamingTableWriter writer;
  ASSERT_TRUE(writer.Open(path, t.columns(), 10).ok());
  for (int64_t r = 0; r < 10; r += 3) ASSERT_TRUE(writer.Append(t.SliceRows(r, r + 3)).ok());
  ASSERT_TRUE(writer.Commit().ok());
  absl::StatusOr<Table> back = ReadTableFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->values(), t.values());
  ASSERT_NE(back->int64_column("run"), nullptr);
  EXPECT_EQ(*back->int64_column("run"), runs);
  EXPECT_EQ(back->category_labels(), t.category_labels());
  EXPECT_EQ(back->category_columns(), t.category_columns());
  // Later rows without the exact column are refused.
  Hdf5TableWriter hdf5;
  ASSERT_TRUE(hdf5.Open(path + ".2", t.columns(), 10).ok());
  ASSERT_TRUE(hdf5.Append(t.SliceRows(0, 5)).ok());
  Table plain = t.SliceRows(5, 10);
  absl::StatusOr<Table> untyped = Table::Create(plain.columns(), plain.values());
  absl::Status s = hdf5.Append(*untyped);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "rows 6..10 have exact integer columns []")) << s;
}

TEST(ReadTableFileTest, EmptyFilesAreRefusedAlikeInEveryFormat) {
  for (const std::string content : {"", " \n\t\r\n"}) {
    for (const std::string& format : TableFormats()) {
      const std::string path = TempPath("empty." + format);
      ASSERT_TRUE(WriteFileAtomically(path, content).ok());
      ReadReport report;
      report.events_kept = 7;
      absl::Status s = ReadTableFile(path, format, {}, &report).status();
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << format;
      EXPECT_EQ(s.message(), path + ": empty file") << format;
      EXPECT_EQ(report.events_kept, 0) << "a failed read leaves an empty report";
    }
  }
}

TEST(ReadTableFileTest, ReportsRowsForFormatsWithoutEvents) {
  Table t({"a", "b"});
  t.AppendRow({1.f, 2.f});
  t.AppendRow({3.f, 4.f});
  for (const std::string name : {"r.csv", "r.npy", "r.h5"}) {
    const std::string path = TempPath(name);
    ASSERT_TRUE(WriteTableFile(path, t).ok());
    ReadReport report;
    absl::StatusOr<std::string> format = ResolveTableFormat("", path, path);
    ASSERT_TRUE(ReadTableFile(path, *format, {}, &report).ok()) << name;
    EXPECT_EQ(report.events_in_file, 2) << name;
    EXPECT_EQ(report.events_kept, 2) << name;
    EXPECT_EQ(report.columns, 2) << name;
  }
}

class IsolatedReaderTest : public ::testing::Test {
 protected:
  IsolatedParseOptions Isolation() const {
    IsolatedParseOptions o;
    o.helper = EVGEN_PARSE_HELPER;
    o.scratch_dir = ::testing::TempDir();
    o.time_limit = std::chrono::seconds(60);
    return o;
  }
};

// The helper sends its read report back, and the weights: a weighted HDF5
// table's come back as weights, an unweighted table's column that happens
// to be named event_weight stays a feature.
TEST_F(IsolatedReaderTest, ReportAndWeightsComeBackFromTheHelper) {
  Table t({"x", "event_weight"});
  t.AppendRow({1.f, 5.f});
  t.AppendRow({2.f, 6.f});
  const std::string plain = TempPath("feature.h5");
  ASSERT_TRUE(WriteTableFile(plain, t).ok());
  ReadReport report;
  absl::StatusOr<Table> back = ReadTableFileIsolated(plain, "hdf5", {}, Isolation(), &report);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), t.columns());
  EXPECT_FALSE(back->has_weights());
  EXPECT_EQ(report.events_kept, 2);

  Table w({"x"});
  w.AppendRow({1.f});
  w.AppendRow({2.f});
  ASSERT_TRUE(w.SetWeights({0.5f, -3.f}).ok());
  const std::string weighted = TempPath("weighted.h5");
  ASSERT_TRUE(WriteTableFile(weighted, w).ok());
  back = ReadTableFileIsolated(weighted, "hdf5", {}, Isolation(), &report);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), w.columns());
  EXPECT_EQ(back->weights(), w.weights());
}

// Exact identifiers and categories of an HDF5 upload come back from the
// helper process too.
TEST_F(IsolatedReaderTest, ExactIntegersAndCategoriesComeBackFromTheHelper) {
  const int64_t big = (int64_t{1} << 40) + 3;
  Table t({"event", "kind"});
  t.AppendRow({0, 1});
  t.AppendRow({0, 0});
  ASSERT_TRUE(t.SetInt64Column("event", {big, -big}).ok());
  ASSERT_TRUE(t.SetCategories({"G", "T"}, {"kind"}).ok());
  const std::string path = TempPath("typed.h5");
  ASSERT_TRUE(WriteTableFile(path, t).ok());
  absl::StatusOr<Table> back = ReadTableFileIsolated(path, "hdf5", {}, Isolation(), nullptr);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_NE(back->int64_column("event"), nullptr);
  EXPECT_EQ(*back->int64_column("event"), (std::vector<int64_t>{big, -big}));
  EXPECT_EQ(back->category_labels(), (std::vector<std::string>{"G", "T"}));
}

TEST_F(IsolatedReaderTest, ErrorsAndEmptyFilesComeBackWithTheirMessages) {
  const std::string path = TempPath("empty.hepmc");
  ASSERT_TRUE(WriteFileAtomically(path, "").ok());
  ReadReport report;
  absl::Status s = ReadTableFileIsolated(path, "hepmc3", {{"layout", "ragged"}}, Isolation(), &report).status();
  EXPECT_EQ(s.message(), path + ": empty file");
  ASSERT_TRUE(WriteFileAtomically(path, "HepMC::Version 3.01.01\n").ok());
  s = ReadTableFileIsolated(path, "hepmc3", {{"layout", "ragged"}}, Isolation(), &report).status();
  EXPECT_NE(s.message().find("'ragged' is not one of fixed, padded, particles"), std::string::npos) << s;
}

}  // namespace
}  // namespace evgen
