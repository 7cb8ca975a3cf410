#include "core/io/csv.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
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
      {"", "empty file, no header"},
      {"a,b\n", "header but no rows"},
      {"a,b\n1,2\n3\n", "src:3: 1 fields, header has 2"},
      {"a,b\n1,x\n", "src:2: column 'b': 'x' is not a number"},
      {"a,,c\n1,2,3\n", "src:1: empty column name"},
  };
  for (const Case& c : cases) {
    absl::Status s = ParseCsv(c.text, "src").status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << s.message();
  }
}

TEST(CsvTest, RealCmsTableWithTextColumnsIsRefusedPrecisely) {
  // The CMS open-data table has a text column (muon type "G"/"T"); until
  // text columns are mapped (event I/O issue) the reader must say where.
  const char* shared = std::getenv("EVGEN_SHARED_DATA");
  const std::string path = std::string(shared ? shared : "../shared/data") +
                           "/cms-dilepton-2011/Zmumu_Run2011A_masses.csv";
  if (!std::ifstream(path)) GTEST_SKIP() << "shared data not present at " << path;
  absl::Status s = ReadCsv(path).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("Zmumu_Run2011A_masses.csv:2: column 'Type1': 'G' is not a number"),
            std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace evgen
