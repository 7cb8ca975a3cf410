#include "core/io/csv.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "core/io/atomic_file.h"

namespace evgen {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) + "-" + name;
}

TEST(CsvTest, RoundTripIsBitExactForFloat32) {
  Table t({"pt_gev", "eta", "mass_gev"});
  t.AppendRow({412.123456f, -1.99999f, 1e-7f});
  t.AppendRow({std::nextafter(200.f, 300.f), 0.f, 3.4e38f});
  const std::string path = TempPath("round.csv");
  ASSERT_TRUE(WriteCsv(path, t).ok());
  absl::StatusOr<Table> back = ReadCsv(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), t.columns());
  EXPECT_EQ(back->values(), t.values());
}

TEST(CsvTest, ErrorsNameTheFileLineAndColumn) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"", "src: empty file"},
      {" \n\t\n", "src: empty file"},
      {"a,b\n", "header but no rows"},
      {"a,b\n1,2\n3\n", "src:3: 1 fields, header has 2"},
      {"a,b\n1,2\n3,x\n", "src:3:2: column 'b': 'x' is not a number"},
      {"a,,c\n1,2,3\n", "src:1: empty column name"},
  };
  for (const Case& c : cases) {
    absl::Status s = ParseCsv(c.text, "src").status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << s.message();
  }
}

TEST(CsvTest, TextColumnsBecomeCodesAndEmptyFieldsNaN) {
  CsvInfo info;
  absl::StatusOr<Table> t = ParseCsv("type,x,q\nG,1.5,\nT,2,1\nG,3,-1\n", "src", &info);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->Column(0), (std::vector<float>{0, 1, 0}));
  EXPECT_TRUE(std::isnan(t->at(0, 2)));
  EXPECT_EQ(info.text_columns.at("type"), (std::vector<std::string>{"G", "T"}));
  EXPECT_EQ(info.text_columns.size(), 1u);
}

TEST(CsvTest, ManyDistinctLabelsKeepTheirFirstAppearanceCodes) {
  // 100,000 distinct labels took 7.7 s with a linear search per field; the
  // hashed lookup reads them in a fraction of a second.
  std::string text = "label,x\n";
  for (int i = 0; i < 100000; ++i) text += "L" + std::to_string(i % 60000) + ",1\n";
  CsvInfo info;
  absl::StatusOr<Table> t = ParseCsv(text, "src", &info);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(info.text_columns.at("label").size(), 60000u);
  EXPECT_EQ(info.text_columns.at("label")[59999], "L59999");
  EXPECT_EQ(t->at(60000 + 7, 0), 7.f);  // the second "L7"
}

std::string SharedData(const std::string& file) {
  const char* shared = std::getenv("EVGEN_SHARED_DATA");
  return std::string(shared ? shared : "../shared/data") + "/" + file;
}

TEST(CsvTest, ReadsTheRealCmsOpenDataTables) {
  struct Case {
    std::string file;
    int64_t rows;
    int columns;
  };
  const std::vector<Case> cases = {{"cms-dilepton-2011/Zmumu_Run2011A_masses.csv", 10851, 21},
                                   {"cms-dilepton-2011/Zmumu_Run2011A.csv", 10583, 14},
                                   {"cms-wmunu-dielectron-subsets/Wmunu_first1000.csv", 1000, 12},
                                   {"cms-wmunu-dielectron-subsets/dielectron_first1000.csv", 1000, 19}};
  for (const Case& c : cases) {
    const std::string path = SharedData(c.file);
    if (!std::ifstream(path)) GTEST_SKIP() << "shared data not present at " << path;
    CsvInfo info;
    absl::StatusOr<Table> t = ReadCsv(path, &info);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->num_rows(), c.rows) << c.file;
    EXPECT_EQ(t->num_columns(), c.columns) << c.file;
  }
  // The Z table: muon types are text, the dimuon mass peaks at the Z.
  CsvInfo info;
  absl::StatusOr<Table> z = ReadCsv(SharedData(cases[0].file), &info);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(info.text_columns.count("Type1"), 1u);
  EXPECT_EQ(info.text_columns.count("M"), 0u);
  std::vector<float> m = z->Column(*z->ColumnIndex("M"));
  std::nth_element(m.begin(), m.begin() + m.size() / 2, m.end());
  EXPECT_NEAR(m[m.size() / 2], 90.9, 1.0);
  // The dielectron subset has a missing energy: it reads as NaN, not as 0.
  absl::StatusOr<Table> ee = ReadCsv(SharedData(cases[3].file));
  ASSERT_TRUE(ee.ok());
  EXPECT_TRUE(std::isnan(ee->at(0, *ee->ColumnIndex("E1"))));
}

}  // namespace
}  // namespace evgen
