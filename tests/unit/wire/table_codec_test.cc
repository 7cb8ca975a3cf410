#include "wire/table_codec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"

namespace evgen {
namespace {

namespace fs = std::filesystem;

void ExpectRefused(const v1::TableChunk& chunk, const std::string& why) {
  absl::StatusOr<Table> t = DecodeTable(chunk, "conditions_table");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(t.status().message(), "conditions_table.")) << t.status();
  EXPECT_TRUE(absl::StrContains(t.status().message(), why)) << t.status();
}

TEST(TableCodecTest, RoundTripKeepsColumnsValuesAndWeights) {
  Table t = *Table::Create({"pt_gev", "mass_gev"}, {450.f, 61.f, 512.f, 172.f, 80.f, 91.f},
                           {1.f, 0.5f, 2.f});
  v1::TableChunk chunk;
  EncodeRows(t, 1, 3, &chunk);
  EXPECT_EQ(chunk.rows(), 2);
  EXPECT_EQ(chunk.first_row(), 1);
  absl::StatusOr<Table> back = DecodeTable(chunk, "table");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), t.columns());
  EXPECT_EQ(back->values(), (std::vector<float>{512.f, 172.f, 80.f, 91.f}));
  EXPECT_EQ(back->weights(), (std::vector<float>{0.5f, 2.f}));
}

TEST(TableCodecTest, RowsWhoseByteCountWrapsAreRefused) {
  // 2^62 rows x 1 column x 4 bytes is 2^64, which wrapped to the 0 bytes sent.
  v1::TableChunk chunk;
  chunk.add_columns("x");
  chunk.set_rows(int64_t{1} << 62);
  ExpectRefused(chunk, "4611686018427387904 x 1 x 4 does not fit in a 64-bit size");
  chunk.add_columns("y");
  chunk.set_rows(int64_t{1} << 61);
  ExpectRefused(chunk, "2305843009213693952 x 2 x 4 does not fit");
}

TEST(TableCodecTest, InconsistentChunksNameTheField) {
  v1::TableChunk chunk;
  ExpectRefused(chunk, "columns: must name at least one column");
  chunk.add_columns("");
  ExpectRefused(chunk, "columns[0]: empty column name");
  // Columns are found by name: a second 'x' could never be asked for.
  chunk.set_columns(0, "x");
  chunk.add_columns("x");
  ExpectRefused(chunk, "columns[1]: column 'x' appears twice");
  chunk.mutable_columns()->RemoveLast();
  chunk.set_rows(-1);
  ExpectRefused(chunk, "rows: must be >= 0");
  chunk.set_rows(2);
  chunk.set_values(std::string(4, '\0'));
  ExpectRefused(chunk, "values: holds 4 bytes; rows (2) x columns (1) x 4 = 8");
  chunk.set_values(std::string(8, '\0'));
  chunk.set_weights(std::string(4, '\0'));
  ExpectRefused(chunk, "weights: holds 4 bytes, expected 4 per row or none");
}

TEST(TableCodecTest, RowsPerChunkFitsTheLimitAndSendsAtLeastOneRow) {
  EXPECT_EQ(RowsPerChunk(2, 1000), 125);
  EXPECT_EQ(RowsPerChunk(0, 8), 2);  // no columns count as one
  EXPECT_EQ(RowsPerChunk(1 << 30, 1 << 20), 1);
  EXPECT_EQ(RowsPerChunk(4, -5), 1);
  EXPECT_EQ(RowsPerChunk(-7, 12), 3);
}

// Findings of fuzz/table_chunk_fuzzer.cc, each with the message fragment its
// refusal must carry.
TEST(TableCodecTest, FuzzFindingsAreRefused) {
  const std::map<std::string, std::string> findings = {
      {"rows_wrap_byte_count.pb", "4611686018427387904 x 1 x 4 does not fit in a 64-bit size"},
  };
  const fs::path dir = fs::path(EVGEN_FUZZ_DIR) / "regressions" / "table_chunk";
  std::set<std::string> seen;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    SCOPED_TRACE(name);
    seen.insert(name);
    ASSERT_TRUE(findings.count(name)) << "list " << name << " in this test with its message";
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    v1::TableChunk chunk;
    ASSERT_TRUE(chunk.ParseFromString(bytes.str()));
    ExpectRefused(chunk, findings.at(name));
  }
  EXPECT_EQ(seen.size(), findings.size()) << "a listed finding is missing from " << dir;
}

TEST(TableCodecTest, ExactIntegersAndCategoriesTravel) {
  const int64_t big = (int64_t{1} << 40) + 1;
  Table t({"event", "kind"});
  t.AppendRow({0, 1});
  t.AppendRow({0, 0});
  t.AppendRow({0, 1});
  ASSERT_TRUE(t.SetInt64Column("event", {big, -big, 7}).ok());
  ASSERT_TRUE(t.SetCategories({"EB", "EE"}, {"kind"}).ok());
  v1::TableChunk chunk;
  EncodeRows(t, 1, 3, &chunk);
  absl::StatusOr<Table> back = DecodeTable(chunk, "table");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back->int64_column("event"), (std::vector<int64_t>{-big, 7}));
  EXPECT_EQ(back->category_labels(), (std::vector<std::string>{"EB", "EE"}));
  EXPECT_TRUE(back->IsCategory("kind"));

  chunk.mutable_int64_columns(0)->add_values(1);  // one value too many
  absl::Status s = DecodeTable(chunk, "table").status();
  EXPECT_NE(s.message().find("table.int64_columns"), std::string::npos) << s;
  EncodeRows(t, 0, 3, &chunk);
  chunk.clear_category_labels();  // codes without labels
  s = DecodeTable(chunk, "table").status();
  EXPECT_NE(s.message().find("table.category_labels"), std::string::npos) << s;
}

}  // namespace
}  // namespace evgen
