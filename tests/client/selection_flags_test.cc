#include "client/cli/selection_flags.h"

#include <gtest/gtest.h>

namespace evgen::cli {
namespace {

TEST(SelectionFlagsTest, ColumnDefinitionsSplitAtTheFirstEquals) {
  auto c = ParseColumnDefinition("  m_mumu =  mass(pt1,eta1,phi1,0, pt2,eta2,phi2,0) ", "--column");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name(), "m_mumu");
  EXPECT_EQ(c->expression(), "mass(pt1,eta1,phi1,0, pt2,eta2,phi2,0)");
  auto cond = ParseColumnDefinition("os = Q1*Q2 == -1", "--column");
  ASSERT_TRUE(cond.ok());
  EXPECT_EQ(cond->expression(), "Q1*Q2 == -1");
  for (const char* bad : {"m", "= pt1", "m =", "a == b"}) {
    auto r = ParseColumnDefinition(bad, "--column");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("expected NAME = EXPRESSION"), std::string::npos) << r.status();
  }
}

TEST(SelectionFlagsTest, BothSideFlagsMergeWithOneSidesOwn) {
  SelectionFlags flags;
  flags.columns = {"m = M"};
  flags.reference_columns = {"x = 2 * m"};
  flags.where = "m > 60";
  v1::TableSource reference, candidate;
  reference.mutable_dataset()->set_dataset("dy");
  candidate.mutable_dataset()->set_dataset("cms");
  ASSERT_TRUE(flags.Apply("reference", &reference).ok());
  ASSERT_TRUE(flags.Apply("candidate", &candidate).ok());
  ASSERT_EQ(reference.dataset().derived_size(), 2);
  EXPECT_EQ(reference.dataset().derived(1).name(), "x");
  EXPECT_EQ(candidate.dataset().derived_size(), 1);
  EXPECT_EQ(candidate.dataset().where(), "m > 60");
  EXPECT_EQ(flags.Describe("reference"), " [m = M; x = 2 * m; where m > 60]");
  flags.candidate_where = "m > 70";
  EXPECT_EQ(flags.Apply("candidate", &candidate).code(), absl::StatusCode::kInvalidArgument);
  v1::TableSource file;
  file.mutable_inline_table();
  EXPECT_NE(flags.Apply("reference", &file).message().find("the reference is a file"), std::string::npos);
  EXPECT_TRUE(SelectionFlags().Apply("reference", &file).ok()) << "no flags, no requirement";
}

TEST(SelectionFlagsTest, MetricOptionsApplyToAllOrToTheNamedMetric) {
  auto specs = MetricSpecs({"mass-peak", "ks"}, {"mass-peak.column=m_mumu", "seed_like=1", "ks.columns=a,b"});
  ASSERT_TRUE(specs.ok()) << specs.status();
  ASSERT_EQ(specs->size(), 2u);
  EXPECT_EQ((*specs)[0].options().at("column"), "m_mumu");
  EXPECT_EQ((*specs)[0].options().at("seed_like"), "1");
  EXPECT_EQ((*specs)[0].options().count("columns"), 0u);
  EXPECT_EQ((*specs)[1].options().at("columns"), "a,b");
  EXPECT_EQ((*specs)[1].options().count("column"), 0u);
  EXPECT_FALSE(MetricSpecs({"ks"}, {"novalue"}).ok());
  auto unknown = MetricSpecs({"ks"}, {"mass-peak.column=m"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'mass-peak' is not a requested metric (-m); requested: ks"),
            std::string::npos);
}

}  // namespace
}  // namespace evgen::cli
