#include "core/data/momentum_balance.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/physics/ttbar.h"

namespace evgen {
namespace {

nlohmann::json Spec() {
  return nlohmann::json::parse(
      R"({"kind": "momentum-balance", "particles": ["p1", "p2", "p3", "p4", "p5", "p6"], "drop": "p6"})");
}

// The reference's six quarks balance; p6's px and py leave and come back as
// minus the others' sum, also from the transform's stored JSON.
TEST(MomentumBalanceTest, DropsTheBalancedMomentumAndPutsItBack) {
  absl::StatusOr<Table> ttbar = GenerateTtbarAllhad(300, 4, {});
  ASSERT_TRUE(ttbar.ok()) << ttbar.status();
  auto t = MakeMomentumBalance(Spec());
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE((*t)->Fit(*ttbar).ok());
  absl::StatusOr<Table> reduced = (*t)->Forward(*ttbar);
  ASSERT_TRUE(reduced.ok()) << reduced.status();
  EXPECT_EQ(reduced->num_columns(), ttbar->num_columns() - 2);
  EXPECT_FALSE(reduced->HasColumn("p6_px_gev"));
  EXPECT_FALSE(reduced->HasColumn("p6_py_gev"));
  auto restored = MakeMomentumBalance((*t)->ToJson());
  ASSERT_TRUE(restored.ok()) << restored.status();
  absl::StatusOr<Table> back = (*restored)->Inverse(*reduced);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->columns(), ttbar->columns());
  const int px = *ttbar->ColumnIndex("p6_px_gev"), e = *ttbar->ColumnIndex("p1_e_gev");
  for (int64_t r = 0; r < ttbar->num_rows(); ++r) {
    ASSERT_NEAR(back->at(r, px), ttbar->at(r, px), 1e-3 + 1e-5 * std::abs(ttbar->at(r, px))) << "row " << r;
    ASSERT_EQ(back->at(r, e), ttbar->at(r, e));
  }
  EXPECT_EQ(*(*t)->ForwardLogAbsDet(*ttbar), std::vector<double>(300, 0.0));
}

TEST(MomentumBalanceTest, UnbalancedRowsAndBadSpecsAreRefused) {
  absl::StatusOr<Table> ttbar = GenerateTtbarAllhad(10, 4, {});
  ASSERT_TRUE(ttbar.ok());
  auto t = MakeMomentumBalance(Spec());
  ASSERT_TRUE(t.ok());
  Table broken = *ttbar;
  broken.at(7, *broken.ColumnIndex("p2_py_gev")) += 5.f;
  absl::Status s = (*t)->Fit(broken);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("row 7"), std::string::npos) << s;
  EXPECT_NE(s.message().find("py"), std::string::npos) << s;
  auto bad = MakeMomentumBalance(nlohmann::json::parse(R"({"particles": ["p1", "p2"], "drop": "p3"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("drop"), std::string::npos) << bad.status();
  auto typo = MakeMomentumBalance(nlohmann::json::parse(R"({"particles": ["p1", "p2"], "drop": "p2", "dorp": 1})"));
  EXPECT_FALSE(typo.ok());
}

}  // namespace
}  // namespace evgen
