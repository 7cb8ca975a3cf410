#include "core/data/delta_phi.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/physics/constants.h"

namespace evgen {
namespace {

// Back-to-back azimuths map to 0 with offset pi, the angle sits where phi2
// was, and the inverse gives phi2 back in (-pi, pi].
TEST(DeltaPhiTest, RelativeAngleInPlaceAndBack) {
  auto t = MakeDeltaPhi(nlohmann::json::parse(
      R"({"kind": "delta-phi", "column": "phi2", "reference": "phi1", "offset": 3.141592653589793, "name": "dphi"})"));
  ASSERT_TRUE(t.ok()) << t.status();
  Table muons({"phi1", "pt", "phi2"});
  muons.AppendRow({0.5f, 40.f, 0.5f - static_cast<float>(physics::kPi) + 0.1f});
  muons.AppendRow({-3.0f, 40.f, 3.0f});
  muons.AppendRow({2.0f, 40.f, 2.0f});  // collinear: the far tail at -pi
  ASSERT_TRUE((*t)->Fit(muons).ok());
  absl::StatusOr<Table> mapped = (*t)->Forward(muons);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->columns(), (std::vector<std::string>{"phi1", "pt", "dphi"}));
  EXPECT_NEAR(mapped->at(0, 2), 0.1, 1e-6);
  EXPECT_NEAR(mapped->at(1, 2), 6.0 - physics::kPi, 1e-6);  // 3 - (-3) - pi, inside [-pi, pi)
  EXPECT_NEAR(std::abs(mapped->at(2, 2)), physics::kPi, 1e-6);
  absl::StatusOr<Table> back = (*t)->Inverse(*mapped);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), muons.columns());
  for (int64_t r = 0; r < 3; ++r) {
    const double d = std::remainder(back->at(r, 2) - muons.at(r, 2), 2 * physics::kPi);
    EXPECT_NEAR(d, 0, 1e-6) << "row " << r;
  }
  EXPECT_EQ(*(*t)->ForwardLogAbsDet(muons), std::vector<double>(3, 0.0));
}

TEST(DeltaPhiTest, BadSpecsAndTablesNameTheProblem) {
  auto no_name = MakeDeltaPhi(nlohmann::json::parse(R"({"kind": "delta-phi", "column": "phi2", "reference": "phi1"})"));
  ASSERT_FALSE(no_name.ok());
  EXPECT_NE(no_name.status().message().find("name"), std::string::npos) << no_name.status();
  auto t = MakeDeltaPhi(
      nlohmann::json::parse(R"({"kind": "delta-phi", "column": "phi2", "reference": "phi1", "name": "dphi"})"));
  ASSERT_TRUE(t.ok());
  Table no_ref({"phi2"});
  no_ref.AppendRow({1.f});
  absl::Status s = (*t)->Forward(no_ref).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("phi1"), std::string::npos) << s;
}

}  // namespace
}  // namespace evgen
