#include "core/io/colour_flow.h"

#include <gtest/gtest.h>

#include <map>

#include "absl/strings/match.h"

namespace evgen {
namespace {

// Balanced says whether every tag enters the hard process as often as it
// leaves it (an incoming anticolour counts as an outgoing colour), and each
// tag is used by exactly two particle ends.
bool Balanced(const ColourFlow& f) {
  std::map<int, int> net, uses;
  auto add = [&](int tag, int sign) {
    if (tag == 0) return;
    net[tag] += sign;
    ++uses[tag];
  };
  for (const ColourTags& t : f.outgoing) add(t.colour, 1), add(t.anticolour, -1);
  for (const ColourTags& t : f.incoming) add(t.colour, -1), add(t.anticolour, 1);
  for (const auto& [tag, n] : net) {
    if (n != 0 || uses[tag] != 2) return false;
  }
  return true;
}

TEST(ColourFlowTest, GluonsToBQuarksFormOneChain) {
  absl::StatusOr<ColourFlow> f = AssignColours({21, 21}, {5, -5});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->outgoing[0].colour, 501);
  EXPECT_EQ(f->outgoing[0].anticolour, 0);
  EXPECT_EQ(f->incoming[0].colour, 501);
  EXPECT_EQ(f->incoming[0].anticolour, 502);
  EXPECT_EQ(f->incoming[1].colour, 502);
  EXPECT_EQ(f->incoming[1].anticolour, 503);
  EXPECT_EQ(f->outgoing[1].anticolour, 503);
  EXPECT_TRUE(Balanced(*f));
}

TEST(ColourFlowTest, WDecayProductsAreSingletsAndTheBsConnectThroughTheGluons) {
  // ttbar all-hadronic: d ubar bbar u dbar b.
  absl::StatusOr<ColourFlow> f = AssignColours({21, 21}, {1, -2, -5, 2, -1, 5});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(Balanced(*f));
  EXPECT_EQ(f->outgoing[0].colour, f->outgoing[1].anticolour);  // W-: d ubar
  EXPECT_EQ(f->outgoing[3].colour, f->outgoing[4].anticolour);  // W+: u dbar, not u bbar
  EXPECT_NE(f->outgoing[5].colour, 0);
  EXPECT_NE(f->outgoing[2].anticolour, 0);
  EXPECT_NE(f->outgoing[5].colour, f->outgoing[2].anticolour);  // b bbar via the gluons
  // Given singlets are kept, even against the W preference.
  f = AssignColours({}, {1, -2, 2, -1}, {{0, 3}, {2, 1}});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->outgoing[0].colour, f->outgoing[3].anticolour);
  EXPECT_TRUE(Balanced(*f));
}

TEST(ColourFlowTest, QuarksLeptonsAndGluonLoops) {
  for (const auto& [in, out] : std::vector<std::pair<std::vector<int>, std::vector<int>>>{
           {{2, -2}, {13, -13}},      // Drell-Yan: the quarks annihilate
           {{21, 21}, {13, -13}},     // a colour-singlet final state from gluons
           {{21, 21}, {21}},          // three gluons in a loop
           {{2, 21}, {2, 21}},        // qg -> qg
           {{}, {11, -12, 22}},       // colourless
           {{1, -2}, {-12, 11}}}) {   // W- -> e nubar
    absl::StatusOr<ColourFlow> f = AssignColours(in, out);
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_TRUE(Balanced(*f));
  }
  absl::StatusOr<ColourFlow> leptons = AssignColours({21, 21}, {13, -13});
  EXPECT_EQ(leptons->outgoing[0].colour + leptons->outgoing[0].anticolour, 0);
}

TEST(ColourFlowTest, UnbalancedColourIsRefusedNamingTheIds) {
  absl::StatusOr<ColourFlow> f = AssignColours({21, 21}, {1, -2, 5});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(f.status().message(), "colour cannot be conserved in 21 21 -> 1 -2 5"))
      << f.status();
  f = AssignColours({}, {21});
  ASSERT_FALSE(f.ok());
  EXPECT_TRUE(absl::StrContains(f.status().message(), "lone gluon")) << f.status();
  f = AssignColours({}, {1, -2}, {{1, 0}});
  ASSERT_FALSE(f.ok());
  EXPECT_TRUE(absl::StrContains(f.status().message(), "not a free quark and antiquark")) << f.status();
}

}  // namespace
}  // namespace evgen
