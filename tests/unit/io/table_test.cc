#include "core/io/table.h"

#include <gtest/gtest.h>

#include <cmath>

namespace evgen {
namespace {

TEST(TableTest, CreateRejectsValuesThatDoNotFillRows) {
  EXPECT_EQ(Table::Create({"a", "b"}, {1, 2, 3}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Table::Create({}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Table::Create({"a"}, {1, 2}, {1}).status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Table> t = Table::Create({"a", "b"}, {1, 2, 3, 4}, {0.5f, 2.f});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->num_rows(), 2);
  EXPECT_EQ(t->at(1, 0), 3);
  EXPECT_EQ(t->weight(1), 2.f);
}

TEST(TableTest, ColumnIndexNamesTheMissingColumnAndTheAvailableOnes) {
  Table t({"pt_gev", "eta"});
  EXPECT_EQ(*t.ColumnIndex("eta"), 1);
  absl::Status s = t.ColumnIndex("mass").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "column 'mass' not in table; columns are [pt_gev, eta]");
}

TEST(TableTest, SelectAndSliceKeepValuesAndWeights) {
  Table t = *Table::Create({"a", "b", "c"}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3});
  Table rows = t.SelectRows({2, 0});
  EXPECT_EQ(rows.values(), (std::vector<float>{7, 8, 9, 1, 2, 3}));
  EXPECT_EQ(rows.weights(), (std::vector<float>{3, 1}));
  Table cols = *t.SelectColumns({"c", "a"});
  EXPECT_EQ(cols.values(), (std::vector<float>{3, 1, 6, 4, 9, 7}));
  Table slice = t.SliceRows(1, 10);
  EXPECT_EQ(slice.num_rows(), 2);
  EXPECT_EQ(slice.weights(), (std::vector<float>{2, 3}));
  EXPECT_EQ(t.Column(1), (std::vector<float>{2, 5, 8}));
}

TEST(TableTest, ReserveIgnoresRowCountsThatAreNegativeOrOverflow) {
  Table t({"a", "b", "c", "d"});
  t.Reserve(-1);
  t.Reserve(int64_t{1} << 62);  // 2^64 values: wraps if multiplied unchecked
  EXPECT_EQ(t.values().capacity(), 0u);
  t.Reserve(3);
  EXPECT_GE(t.values().capacity(), 12u);
}

TEST(TableTest, AppendColumnKeepsWeightsExactColumnsAndLabels) {
  Table t = *Table::Create({"event", "type"}, {1, 0, 2, 1}, {0.5f, 2.f});
  ASSERT_TRUE(t.SetInt64Column("event", {90000001, 90000002}).ok());
  ASSERT_TRUE(t.SetCategories({"EB", "EE"}, {"type"}).ok());
  ASSERT_TRUE(t.AppendColumn("log_density", {-1.5f, -2.5f}).ok());
  EXPECT_EQ(t.columns(), (std::vector<std::string>{"event", "type", "log_density"}));
  EXPECT_EQ(t.at(0, 2), -1.5f);
  EXPECT_EQ(t.at(1, 2), -2.5f);
  EXPECT_EQ(t.at(1, 1), 1.f);
  EXPECT_EQ(t.weights(), (std::vector<float>{0.5f, 2.f}));
  EXPECT_EQ(*t.int64_column("event"), (std::vector<int64_t>{90000001, 90000002}));
  EXPECT_TRUE(t.IsCategory("type"));
  EXPECT_EQ(t.AppendColumn("event", {0, 0}).code(), absl::StatusCode::kInvalidArgument);
  absl::Status short_column = t.AppendColumn("x", {1.f});
  EXPECT_EQ(short_column.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(short_column.message(), "column 'x': 1 values for 2 rows");
  EXPECT_EQ(t.num_columns(), 3);
}

TEST(TableTest, AppendRequiresMatchingColumns) {
  Table a({"x"});
  a.AppendRow({1.f});
  Table b({"y"});
  b.AppendRow({2.f});
  EXPECT_EQ(a.Append(b).code(), absl::StatusCode::kInvalidArgument);
  Table c({"x"});
  c.AppendRow({3.f});
  ASSERT_TRUE(a.Append(c).ok());
  EXPECT_EQ(a.values(), (std::vector<float>{1, 3}));
}

// Event numbers above 2^24 change in float32; the exact column keeps them
// through every row and column operation (issue 12).
TEST(TableTypesTest, ExactIntegersSurviveRowAndColumnOperations) {
  const int64_t big = (int64_t{1} << 40) + 3;
  Table t({"run", "event", "pt"});
  t.AppendRow({1, 0, 10});
  t.AppendRow({1, 0, 20});
  t.AppendRow({2, 0, 30});
  ASSERT_TRUE(t.SetInt64Column("event", {big, big + 1, big + 2}).ok());
  EXPECT_EQ(t.at(1, 1), static_cast<float>(big + 1));  // the approximation models see
  EXPECT_EQ(*t.int64_column("event"), (std::vector<int64_t>{big, big + 1, big + 2}));
  EXPECT_EQ(t.int64_column("pt"), nullptr);
  EXPECT_EQ(*t.SelectRows({2, 0}).int64_column("event"), (std::vector<int64_t>{big + 2, big}));
  EXPECT_EQ(*t.SliceRows(1, 3).int64_column("event"), (std::vector<int64_t>{big + 1, big + 2}));
  EXPECT_EQ(t.SelectColumns({"pt"})->int64_columns().size(), 0u);
  Table both = t.SliceRows(0, 1);
  ASSERT_TRUE(both.Append(t.SliceRows(2, 3)).ok());
  EXPECT_EQ(*both.int64_column("event"), (std::vector<int64_t>{big, big + 2}));
  Table untyped({"run", "event", "pt"});
  untyped.AppendRow({1, 2, 3});
  EXPECT_FALSE(both.Append(untyped).ok());
  EXPECT_FALSE(t.SetInt64Column("event", {1}).ok());
  EXPECT_FALSE(t.SetInt64Column("nope", {1, 2, 3}).ok());
}

TEST(TableTypesTest, CategoriesShareOneCodeTableAndAreChecked) {
  Table t({"type1", "type2"});
  t.AppendRow({0, 1});
  t.AppendRow({1, std::nanf("")});
  ASSERT_TRUE(t.SetCategories({"EB", "EE"}, {"type2", "type1"}).ok());
  EXPECT_TRUE(t.IsCategory("type1"));
  EXPECT_EQ(t.category_columns(), (std::vector<std::string>{"type1", "type2"}));
  EXPECT_EQ(t.SelectColumns({"type2"})->category_columns(), std::vector<std::string>{"type2"});
  EXPECT_EQ(t.SelectRows({1}).category_labels(), (std::vector<std::string>{"EB", "EE"}));
  EXPECT_FALSE(t.SetCategories({"EB"}, {"type1"}).ok());        // code 1 has no label
  EXPECT_FALSE(t.SetCategories({"EB", "EB"}, {"type1"}).ok());  // labels must be distinct
}

}  // namespace
}  // namespace evgen
