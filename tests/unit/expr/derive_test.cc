#include "core/expr/derive.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace evgen {
namespace {

Table Muons() {
  auto t = Table::Create({"pt1", "eta1", "phi1", "Q1", "pt2", "eta2", "phi2", "Q2"},
                         {45, 0, 0, 1, 45, 0, 3.14159265f, -1,   //
                          30, 0.5f, 0.1f, 1, 40, -1.2f, 2.9f, 1,  //
                          20, 1, 1, -1, 25, -1, -2, 1},
                         {0.5f, 2.f, 3.f});
  EXPECT_TRUE(t.ok());
  return *t;
}

std::string Error(const DeriveSpec& spec, const std::string& field = "") {
  auto out = ApplyDerive(Muons(), spec, field);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(out.status().message());
}

TEST(DeriveTest, AppendsColumnsAndSelectsRowsKeepingWeights) {
  DeriveSpec spec;
  spec.columns = {{"m", "mass(pt1,eta1,phi1,0, pt2,eta2,phi2,0)"}, {"m_over_2", "m / 2"}, {"os", "Q1*Q2 < 0"}};
  spec.where = "os == 1";
  auto out = ApplyDerive(Muons(), spec, "");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->rows_before, 3);
  const Table& t = out->table;
  ASSERT_EQ(t.num_rows(), 2);
  ASSERT_EQ(t.num_columns(), 11);
  EXPECT_EQ(t.columns()[8], "m");
  EXPECT_NEAR(t.at(0, 8), 90.0, 1e-3);
  EXPECT_NEAR(t.at(0, 9), 45.0, 1e-3);
  EXPECT_EQ(t.at(0, 10), 1.f);
  EXPECT_EQ(t.at(1, 0), 20.f);  // the third row; the same-sign second is gone
  ASSERT_TRUE(t.has_weights());
  EXPECT_EQ(t.weights(), (std::vector<float>{0.5f, 3.f}));
}

TEST(DeriveTest, AnEmptySpecCopiesTheTable) {
  auto out = ApplyDerive(Muons(), {}, "");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->table.values(), Muons().values());
  EXPECT_EQ(DescribeDerive({}), "");
}

TEST(DeriveTest, BadExpressionsAreQuotedWithTheirField) {
  DeriveSpec unknown;
  unknown.where = "Q1*Q3<0";
  EXPECT_EQ(Error(unknown, "reference.dataset"),
            "reference.dataset.where 'Q1*Q3<0': column 4: unknown column 'Q3'; columns: pt1, eta1, phi1, Q1, "
            "pt2, eta2, phi2, Q2");
  DeriveSpec syntax;
  syntax.columns = {{"m", "pt1 +* pt2"}};
  EXPECT_EQ(Error(syntax), "columns[0] m = 'pt1 +* pt2': column 6: expected a number, a column or '(', found '*'");
  DeriveSpec arity;
  arity.columns = {{"ok", "pt1"}, {"m", "mass(pt1, eta1, phi1)"}};
  EXPECT_EQ(Error(arity),
            "columns[1] m = 'mass(pt1, eta1, phi1)': column 1: mass takes groups of 4 arguments (pt, eta, phi, m) "
            "per particle, at most 16 particles, got 3; mass(pt, eta, phi, m, ...)");
}

TEST(DeriveTest, AWhereMustBeACondition) {
  DeriveSpec spec;
  spec.where = "Q1*Q2";
  EXPECT_EQ(Error(spec), "where 'Q1*Q2': is a number, not a condition; a selection compares, e.g. 'Q1*Q2 > 0'");
}

TEST(DeriveTest, ExistingNamesAreNotRedefined) {
  DeriveSpec spec;
  spec.columns = {{"pt1", "pt1 * 2"}};
  EXPECT_NE(Error(spec).find("columns[0]: the table already has a column 'pt1'; derived columns are new"),
            std::string::npos);
  spec.columns = {{"x", "1"}, {"x", "2"}};
  EXPECT_NE(Error(spec).find("columns[1]: the table already has a column 'x'"), std::string::npos);
  spec.columns = {{"m ll", "1"}};
  EXPECT_EQ(Error(spec), "columns[0]: the name 'm ll' must be 1-64 characters of [A-Za-z0-9_.-]");
}

TEST(DeriveTest, LaterDefinitionsSeeEarlierOnesButNotTheReverse) {
  DeriveSpec spec;
  spec.columns = {{"a", "b + 1"}, {"b", "1"}};
  EXPECT_NE(Error(spec).find("unknown column 'b'"), std::string::npos);
}

TEST(DeriveTest, ASelectionThatKeepsNothingIsAnError) {
  DeriveSpec spec;
  spec.where = "pt1 > 1000";
  EXPECT_EQ(Error(spec), "where 'pt1 > 1000': keeps none of the 3 rows");
}

TEST(DeriveTest, NonFiniteResultsAreStoredNotRefused) {
  DeriveSpec spec;
  spec.columns = {{"r", "pt1 / (Q1 + 1)"}, {"l", "log(Q1)"}};
  auto out = ApplyDerive(Muons(), spec, "");
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(std::isfinite(out->table.at(0, 8)));
  EXPECT_TRUE(std::isinf(out->table.at(2, 8)));
  EXPECT_TRUE(std::isnan(out->table.at(2, 9)));
}

TEST(DeriveTest, DescribesItselfForProvenance) {
  DeriveSpec spec;
  spec.columns = {{"m", "mass(pt1,eta1,phi1,0, pt2,eta2,phi2,0)"}};
  spec.where = "Q1*Q2 < 0";
  EXPECT_EQ(DescribeDerive(spec), "m = mass(pt1,eta1,phi1,0, pt2,eta2,phi2,0); where Q1*Q2 < 0");
}

TEST(DeriveTest, ExactIdentifiersAndCategoriesSurviveDerivingAndSelecting) {
  Table t({"event", "type", "pt"});
  const int64_t big = (int64_t{1} << 40) + 1;  // not exact in float32
  t.AppendRow({static_cast<float>(big), 0, 10});
  t.AppendRow({static_cast<float>(big + 1), 1, 30});
  t.AppendRow({static_cast<float>(big + 2), 1, 50});
  ASSERT_TRUE(t.SetInt64Column("event", {big, big + 1, big + 2}).ok());
  ASSERT_TRUE(t.SetCategories({"EB", "EE"}, {"type"}).ok());
  DeriveSpec spec;
  spec.columns = {{"pt2", "pt * 2"}};
  spec.where = "pt2 > 40";
  auto out = ApplyDerive(t, spec, "");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->table.num_rows(), 2);
  ASSERT_NE(out->table.int64_column("event"), nullptr);
  EXPECT_EQ(*out->table.int64_column("event"), (std::vector<int64_t>{big + 1, big + 2}));
  EXPECT_TRUE(out->table.IsCategory("type"));
  EXPECT_EQ(out->table.category_labels(), (std::vector<std::string>{"EB", "EE"}));
}

}  // namespace
}  // namespace evgen
