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
      {"a,b\x01c\n1,2\n", "src:1: header column[1]: column name holds a control character"},
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
  EXPECT_TRUE(t->IsCategory("type"));
}

// Text columns share one code table (a label has one code in every column)
// and event numbers above 2^24 stay exact; writing prints both back as read.
TEST(CsvTest, CategoriesAndLargeIntegersRoundTripExactly) {
  const std::string text =
      "Run,Event,Type1,Type2,pt\n"
      "165617,1099511627776,EB,EE,10.5\n"
      "165617,1099511627777,EE,EB,20\n"
      "165618,16777217,EB,,30\n";
  CsvInfo info;
  absl::StatusOr<Table> t = ParseCsv(text, "src", &info);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_NE(t->int64_column("Event"), nullptr);
  EXPECT_EQ(*t->int64_column("Event"),
            (std::vector<int64_t>{1099511627776, 1099511627777, 16777217}));
  EXPECT_EQ(t->int64_column("Run"), nullptr);  // below 2^24, float32 holds it
  EXPECT_EQ(t->category_labels(), (std::vector<std::string>{"EB", "EE"}));
  EXPECT_EQ(t->at(0, 2), t->at(1, 3));  // EB has one code in both columns
  EXPECT_TRUE(std::isnan(t->at(2, 3)));
  const std::string path = TempPath("typed.csv");
  ASSERT_TRUE(WriteCsv(path, *t).ok());
  EXPECT_EQ(*ReadFileToString(path),
            "Run,Event,Type1,Type2,pt\n"
            "165617,1099511627776,EB,EE,10.5\n"
            "165617,1099511627777,EE,EB,20\n"
            "165618,16777217,EB,,30\n");
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
  // Real CMS event numbers exceed 2^24: every one stays exact, where float32
  // changes most of them.
  ASSERT_NE(z->int64_column("Event"), nullptr);
  const std::vector<int64_t>& events = *z->int64_column("Event");
  EXPECT_EQ(events[0], 74969122);
  int64_t changed = 0;
  for (int64_t e : events) changed += static_cast<int64_t>(static_cast<float>(e)) != e;
  EXPECT_GT(changed, z->num_rows() / 2);
  // The dielectron subset has a missing energy: it reads as NaN, not as 0.
  absl::StatusOr<Table> ee = ReadCsv(SharedData(cases[3].file));
  ASSERT_TRUE(ee.ok());
  EXPECT_TRUE(std::isnan(ee->at(0, *ee->ColumnIndex("E1"))));
}

TEST(CsvTest, WeightedTablesWriteAndReadAnEventWeightColumn) {
  Table t({"pt_gev", "eta"});
  t.AppendRow({412.5f, -1.5f});
  t.AppendRow({200.f, 0.25f});
  ASSERT_TRUE(t.SetWeights({0.37513f, -2.f}).ok());
  const std::string path = TempPath("weighted.csv");
  ASSERT_TRUE(WriteCsv(path, t).ok());
  EXPECT_EQ(ReadFileToString(path)->substr(0, 24), "pt_gev,eta,event_weight\n");
  absl::StatusOr<Table> back = ReadCsv(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), t.columns());
  EXPECT_EQ(back->values(), t.values());
  EXPECT_EQ(back->weights(), t.weights());
  // weight_column= keeps the column a feature.
  back = ReadCsv(path, *ParseCsvReadOptions({{"weight_column", ""}}));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->has_weights());
  EXPECT_EQ(back->columns(), (std::vector<std::string>{"pt_gev", "eta", "event_weight"}));
}

TEST(CsvTest, WeightColumnOptionPicksAnotherColumnAndMustExist) {
  absl::StatusOr<Table> t = ParseCsv("w,x\n2,1\n3,4\n", "src", *ParseCsvReadOptions({{"weight_column", "w"}}));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->columns(), std::vector<std::string>{"x"});
  EXPECT_EQ(t->weights(), (std::vector<float>{2, 3}));
  absl::Status s = ParseCsv("a,b\n1,2\n", "src", *ParseCsvReadOptions({{"weight_column", "w"}})).status();
  EXPECT_EQ(s.message(), "src:1: weight_column: no column 'w'; the header has a, b");
  // A weighted table with its own event_weight column cannot be written.
  Table both({"event_weight"});
  both.AppendRow({1.f});
  ASSERT_TRUE(both.SetWeights({2.f}).ok());
  s = WriteCsv(TempPath("both.csv"), both);
  EXPECT_NE(s.message().find("has weights and a column named 'event_weight'"), std::string::npos) << s;
}

TEST(CsvTest, BadWeightsAndOptionsAreRefusedNamingLineAndColumn) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"x,event_weight\n1,2\n1,\n", "src:3:2: column 'event_weight': '' is not a finite event weight"},
      {"x,event_weight\n1,nan\n", "src:2:2: column 'event_weight': 'nan' is not a finite event weight"},
      {"x,event_weight\n1,high\n", "src:2:2: column 'event_weight': 'high' is not a number, and the "
                                     "column holds the event weights"},
      {"event_weight\n1\n", "src:1: 'event_weight' is the only column"},
  };
  for (const auto& [text, expected] : cases) {
    absl::Status s = ParseCsv(text, "src").status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
  }
  absl::Status s = ParseCsvReadOptions({{"non_finite", "drop"}}).status();
  EXPECT_EQ(s.message(), "option non_finite: 'drop' is not one of refuse, keep");
  s = ParseCsvReadOptions({{"columns", "a"}}).status();
  EXPECT_NE(s.message().find("known options: weight_column, non_finite"), std::string::npos) << s;
}

TEST(CsvTest, NonFiniteTextIsRefusedByDefaultAndCountedWhenKept) {
  const std::string text = "a,b\n1,2\n3,nan\n-inf,1e39\n,5\n";
  for (const auto& [field, line] : std::vector<std::pair<std::string, std::string>>{
           {"nan", "src:3:2: column 'b': 'nan'"}, {"inf", "src:2:1: column 'a': 'inf'"},
           {"Infinity", "src:2:1: column 'a': 'Infinity'"}, {"1e39", "src:2:1: column 'a': '1e39'"}}) {
    absl::Status s = ParseCsv(field == "nan" ? text : "a,b\n" + field + ",1\n", "src").status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(line), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("is not a finite float32 number; non_finite=keep"), std::string::npos);
  }
  CsvInfo info;
  absl::StatusOr<Table> t = ParseCsv(text, "src", *ParseCsvReadOptions({{"non_finite", "keep"}}), &info);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(std::isnan(t->at(1, 1)));
  EXPECT_TRUE(std::isinf(t->at(2, 0)));
  EXPECT_EQ(info.non_finite_values, 3);
  EXPECT_EQ(info.empty_fields, 1);
  ReadReport report;
  AddToReport(info, *t, &report);
  EXPECT_EQ(report.non_finite_values, 4);
  EXPECT_EQ(report.events_kept, 4);
  ASSERT_EQ(report.notes.size(), 2u);
  EXPECT_EQ(report.notes[1], "3 NaN or infinite values kept (non_finite=keep)");
}

}  // namespace
}  // namespace evgen
