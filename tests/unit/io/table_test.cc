#include "core/io/table.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace evgen
