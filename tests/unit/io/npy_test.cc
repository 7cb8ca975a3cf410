#include "core/io/npy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/io/atomic_file.h"
#include "core/io/table_file.h"

namespace evgen {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) + "-" + name;
}

Table Sample() {
  Table t({"pt_gev", "mass_gev"});
  for (int i = 0; i < 1000; ++i) t.AppendRow({200.f + i, 0.1f * i});
  return t;
}

TEST(NpyTest, RoundTripKeepsValuesAndColumnNames) {
  const std::string path = TempPath("round.npy");
  ASSERT_TRUE(WriteNpy(path, Sample()).ok());
  absl::StatusOr<Table> back = ReadNpy(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), Sample().columns());
  EXPECT_EQ(back->values(), Sample().values());
}

TEST(NpyTest, HeaderIsNumpyCompatible) {
  const std::string header = NpyHeader(1000, 2);
  EXPECT_EQ(header.size() % 64, 0u);
  EXPECT_EQ(header.substr(0, 6), "\x93NUMPY");
  EXPECT_NE(header.find("{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 2), }"),
            std::string::npos);
  EXPECT_EQ(header.back(), '\n');
}

TEST(NpyTest, WithoutSidecarColumnsAreNumbered) {
  const std::string path = TempPath("nosidecar.npy");
  ASSERT_TRUE(WriteNpy(path, Sample()).ok());
  std::filesystem::remove(path + ".columns");
  absl::StatusOr<Table> back = ReadNpy(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->columns(), (std::vector<std::string>{"col0", "col1"}));
}

TEST(NpyTest, ANamesFileThatDoesNotFitIsRefusedNotRenumbered) {
  // A blank line once made the count differ, and the reader quietly named
  // the columns col0, col1: the user's names were lost without a word.
  const std::string path = TempPath("badsidecar.npy");
  ASSERT_TRUE(WriteNpy(path, Sample()).ok());
  const std::string sidecar = path + ".columns";
  auto expect_refused = [&](const std::string& names, const std::string& message) {
    ASSERT_TRUE(WriteFileAtomically(sidecar, names).ok());
    absl::StatusOr<Table> back = ReadNpy(path);
    ASSERT_FALSE(back.ok()) << names;
    EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(back.status().message()), ::testing::HasSubstr(sidecar + message)) << names;
  };
  expect_refused("pt_gev\n\nmass_gev\n", ": names[1]: empty column name");
  expect_refused("pt_gev\n", ": names 1 columns, the array beside it has 2");
  expect_refused("pt_gev\nmass_gev\neta\n", ": names 3 columns, the array beside it has 2");
  expect_refused("pt_gev\npt_gev\n", ": names[1]: column 'pt_gev' appears twice");
  // Names keep their spaces; a CRLF file's \r and a missing last newline are fine.
  ASSERT_TRUE(WriteFileAtomically(sidecar, " pt gev\r\nmass_gev").ok());
  absl::StatusOr<Table> back = ReadNpy(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), (std::vector<std::string>{" pt gev", "mass_gev"}));
}

TEST(NpyTest, TheColumnsOptionCarriesOnlyNamesThatComeBackTheSame) {
  EXPECT_EQ(*NpyColumnsOption({"pt gev", "mass_gev"}, "f.npy.columns: names"), "pt gev,mass_gev");
  EXPECT_EQ(ParseNpyReadOptions({{"columns", "pt gev,mass_gev"}})->columns,
            (std::vector<std::string>{"pt gev", "mass_gev"}));
  // "a,b" would come back as two columns and " pt" as "pt".
  for (const std::string bad : {"a,b", " pt", "pt "}) {
    absl::StatusOr<std::string> option = NpyColumnsOption({"x", bad}, "f.npy.columns: names");
    ASSERT_FALSE(option.ok()) << bad;
    EXPECT_THAT(std::string(option.status().message()),
                ::testing::HasSubstr("f.npy.columns: names[1]: column '" + bad + "' holds a comma"));
  }
  EXPECT_TRUE(ReadNpyColumnNames(TempPath("no-such.npy"))->empty());
}

TEST(NpyTest, UploadColumnNamesFollowTheSameRule) {
  const std::string path = TempPath("optnames.npy");
  ASSERT_TRUE(WriteNpy(path, Sample()).ok());
  absl::StatusOr<Table> twice = ReadNpy(path, NpyReadOptions{{"a", "a"}});
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(std::string(twice.status().message()),
              ::testing::HasSubstr(path + ": options.columns[1]: column 'a' appears twice"));
}

TEST(NpyTest, ReadsFloat64AndOneDimensionalArrays) {
  const std::string path = TempPath("f8.npy");
  std::string header = NpyHeader(3, 1);
  header.replace(header.find("'<f4'"), 5, "'<f8'");
  header.replace(header.find("(3, 1)"), 6, "(3,)  ");
  std::string bytes = header;
  for (double v : {1.5, -2.25, 1e10}) bytes.append(reinterpret_cast<const char*>(&v), 8);
  ASSERT_TRUE(WriteFileAtomically(path, bytes).ok());
  absl::StatusOr<Table> back = ReadNpy(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->values(), (std::vector<float>{1.5f, -2.25f, 1e10f}));
}

TEST(NpyTest, RejectsBadInputsWithPreciseMessages) {
  const std::string good = TempPath("good.npy");
  ASSERT_TRUE(WriteNpy(good, Sample()).ok());
  const std::string bytes = *ReadFileToString(good);
  struct Case {
    std::string content;
    std::string expected;
  };
  std::string int_dtype = bytes;
  int_dtype.replace(int_dtype.find("'<f4'"), 5, "'<i8'");
  std::string fortran = bytes;
  fortran.replace(fortran.find("False"), 5, "True ");
  std::string empty_shape = NpyHeader(0, 2);
  const std::vector<Case> cases = {
      {"", "empty file"},
      {"  \n ", "empty file"},
      {"hello world, not numpy", "bad magic"},
      {bytes.substr(0, 40), "truncated .npy header"},
      {bytes.substr(0, bytes.size() - 4), "truncated or trailing bytes"},
      {int_dtype, "unsupported dtype '<i8'"},
      {fortran, "Fortran-order"},
      {empty_shape, "empty array"},
  };
  for (const Case& c : cases) {
    const std::string path = TempPath("bad.npy");
    ASSERT_TRUE(WriteFileAtomically(path, c.content).ok());
    absl::Status s = ReadNpy(path).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.expected;
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(path), std::string::npos) << "message should name the file";
  }
  EXPECT_EQ(ReadNpy(TempPath("missing.npy")).status().code(), absl::StatusCode::kNotFound);
}

TEST(NpyTest, StreamingWriterPublishesOnlyCompleteFiles) {
  const std::string path = TempPath("stream.npy");
  std::filesystem::remove(path);
  {
    NpyWriter writer;
    ASSERT_TRUE(writer.Open(path, {"pt_gev", "mass_gev"}, 2000).ok());
    ASSERT_TRUE(writer.Append(Sample()).ok());
    EXPECT_EQ(writer.Commit().code(), absl::StatusCode::kDataLoss);  // 1000 of 2000 rows
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  StreamingTableWriter writer;
  ASSERT_TRUE(writer.Open(path, {"pt_gev", "mass_gev"}, 2000).ok());
  ASSERT_TRUE(writer.Append(Sample()).ok());
  EXPECT_FALSE(std::filesystem::exists(path)) << "visible before Commit";
  ASSERT_TRUE(writer.Append(Sample()).ok());
  ASSERT_TRUE(writer.Commit().ok());
  EXPECT_EQ(ReadNpy(path)->num_rows(), 2000);
  for (const auto& entry : std::filesystem::directory_iterator(::testing::TempDir())) {
    EXPECT_EQ(entry.path().string().find("stream.npy.tmp"), std::string::npos) << entry.path();
  }
}

TEST(NpyTest, TableFileDispatchesOnExtension) {
  for (const std::string ext : {".npy", ".csv"}) {
    const std::string path = TempPath("dispatch" + ext);
    ASSERT_TRUE(WriteTableFile(path, Sample()).ok());
    absl::StatusOr<Table> back = ReadTableFile(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->values(), Sample().values());
  }
  // An unknown extension falls back to recognising the content.
  const std::string odd = TempPath("table.dat");
  ASSERT_TRUE(WriteFileAtomically(odd, std::string("\x93NUMPY") + "garbage").ok());
  EXPECT_EQ(ReadTableFile(odd).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadTableFile(TempPath("missing.parquet")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(WriteTableFile(TempPath("x.parquet"), Sample()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckTableFormat("root").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ResolveTableFormat("", "events.lhe.gz", odd), "lhe");
  EXPECT_EQ(*ResolveTableFormat("", "upload", odd), "npy");
}

TEST(NpyTest, WeightsTravelAsAnEventWeightColumnInTheSidecarToo) {
  Table t = Sample();
  std::vector<float> w(t.num_rows());
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.5f * static_cast<float>(i) - 7.f;
  ASSERT_TRUE(t.SetWeights(w).ok());
  const std::string path = TempPath("weighted.npy");
  ASSERT_TRUE(WriteNpy(path, t).ok());
  EXPECT_EQ(*ReadFileToString(path + ".columns"), "pt_gev\nmass_gev\nevent_weight\n");
  absl::StatusOr<Table> back = ReadNpy(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), t.columns());
  EXPECT_EQ(back->values(), t.values());
  EXPECT_EQ(back->weights(), t.weights());
  NpyReadOptions keep;
  keep.weight_column = "";
  back = ReadNpy(path, keep);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->num_columns(), 3);
  EXPECT_FALSE(back->has_weights());
  // Uploads name the columns in options; weight_column picks the weights.
  absl::StatusOr<Table> named =
      ReadTableFile(path, "npy", {{"columns", "a,b,w"}, {"weight_column", "w"}});
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->columns(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(named->weights(), t.weights());
  absl::Status s = ReadTableFile(path, "npy", {{"weight_column", "wt"}}).status();
  EXPECT_NE(s.message().find("weight_column: column 'wt' not in table"), std::string::npos) << s;
  s = ReadTableFile(path, "npy", {{"dtype", "f4"}}).status();
  EXPECT_NE(s.message().find("known options: columns, weight_column"), std::string::npos) << s;
}

// A caller that keeps weights elsewhere (the dataset store's weights.npy)
// writes the values alone, and reads them back raw.
TEST(NpyTest, WeightColumnCanBeLeftOutAndAFeatureOfThatNameReadRaw) {
  Table t({"x", "event_weight"});
  t.AppendRow({1.f, 5.f});
  const std::string feature = TempPath("feature.npy");
  ASSERT_TRUE(WriteNpy(feature, t).ok());
  NpyReadOptions raw;
  raw.weight_column = "";
  EXPECT_EQ(ReadNpy(feature, raw)->columns(), t.columns());
  ASSERT_TRUE(t.SetWeights({2.f}).ok());
  NpyWriteOptions values_only;
  values_only.weight_column = false;
  ASSERT_TRUE(WriteNpy(feature, t, values_only).ok());
  absl::StatusOr<Table> back = ReadNpy(feature, raw);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), t.columns());
  EXPECT_EQ(back->values(), t.values());
  EXPECT_FALSE(back->has_weights());
}

TEST(NpyTest, NonFiniteWeightsAreRefusedNamingTheRow) {
  Table t({"x", "event_weight"});
  t.AppendRow({1.f, 1.f});
  t.AppendRow({2.f, std::nanf("")});
  const std::string path = TempPath("nan-weight.npy");
  ASSERT_TRUE(WriteNpy(path, t).ok());
  absl::Status s = ReadNpy(path).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(path + ": row 2: weight column 'event_weight' holds nan"), std::string::npos) << s;
}

TEST(NpyTest, StreamingWritersWriteChunkWeights) {
  Table chunk = Sample().SliceRows(0, 10);
  ASSERT_TRUE(chunk.SetWeights(std::vector<float>(10, 0.25f)).ok());
  for (const std::string name : {"stream-w.npy", "stream-w.csv", "stream-w.h5"}) {
    SCOPED_TRACE(name);
    const std::string path = TempPath(name);
    StreamingTableWriter writer;
    ASSERT_TRUE(writer.Open(path, chunk.columns(), 20).ok());
    ASSERT_TRUE(writer.Append(Table(chunk.columns())).ok());  // empty chunks decide nothing
    ASSERT_TRUE(writer.Append(chunk).ok());
    absl::Status mixed = writer.Append(Sample().SliceRows(0, 10));
    EXPECT_EQ(mixed.code(), absl::StatusCode::kInvalidArgument) << mixed;
    EXPECT_NE(mixed.message().find("rows 11..20"), std::string::npos) << mixed;
  }
  for (const std::string name : {"stream-w2.npy", "stream-w2.csv"}) {
    const std::string path = TempPath(name);
    StreamingTableWriter writer;
    ASSERT_TRUE(writer.Open(path, chunk.columns(), 20).ok());
    ASSERT_TRUE(writer.Append(chunk).ok());
    ASSERT_TRUE(writer.Append(chunk).ok());
    ASSERT_TRUE(writer.Commit().ok());
    absl::StatusOr<Table> back = ReadTableFile(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->columns(), chunk.columns()) << name;
    EXPECT_EQ(back->weights(), std::vector<float>(20, 0.25f)) << name;
  }
}

}  // namespace
}  // namespace evgen
