#include "core/physics/regions.h"

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace evgen {
namespace {

RegionEvent Event(int n_jets, double leading_pt_gev, double abs_delta_eta_12,
                  double sum_mass_leading4_gev) {
  RegionEvent event;
  event.n_jets = n_jets;
  event.leading_pt_gev = leading_pt_gev;
  event.abs_delta_eta_12 = abs_delta_eta_12;
  event.sum_mass_leading4_gev = sum_mass_leading4_gev;
  return event;
}

TEST(ClassifyRegionTest, ExactlyThreeJetsIsControlWhateverTheKinematics) {
  EXPECT_EQ(ClassifyRegion(Event(3, 201, 0.1, 50)), Region::kControl);
  EXPECT_EQ(ClassifyRegion(Event(3, 2000, 3.5, 5000)), Region::kControl);
}

TEST(ClassifyRegionTest, FewerThanThreeJetsIsNoRegion) {
  EXPECT_EQ(ClassifyRegion(Event(0, 0, 0, 0)), Region::kNone);
  EXPECT_EQ(ClassifyRegion(Event(2, 900, 2.0, 5000)), Region::kNone);
}

TEST(ClassifyRegionTest, FourJetsNeedALeadingJetAbove400Gev) {
  // pT,1 = 400 GeV exactly fails the strict cut, in both the validation and
  // the signal row.
  EXPECT_EQ(ClassifyRegion(Event(4, 400.0, 2.0, 100)), Region::kNone);
  EXPECT_EQ(ClassifyRegion(Event(4, 400.0, 0.5, 3000)), Region::kNone);
  EXPECT_EQ(ClassifyRegion(Event(4, 399.9, 2.0, 100)), Region::kNone);
  EXPECT_EQ(ClassifyRegion(Event(4, 400.001, 2.0, 100)), Region::kValidation);
}

TEST(ClassifyRegionTest, FourJetsDeltaEtaBoundary) {
  EXPECT_EQ(ClassifyRegion(Event(4, 500, 1.4001, 100)), Region::kValidation);
  // |deta_12| = 1.4 exactly is neither > 1.4 (validation) nor < 1.4 (signal).
  EXPECT_EQ(ClassifyRegion(Event(4, 500, 1.4, 100)), Region::kNone);
  EXPECT_EQ(ClassifyRegion(Event(4, 500, 1.4, 3000)), Region::kNone);
  // A large deta_12 is validation even with a signal-like mass.
  EXPECT_EQ(ClassifyRegion(Event(4, 500, 1.5, 3000)), Region::kValidation);
}

TEST(ClassifyRegionTest, FourJetsSignalNeedsSumMassAbove1Tev) {
  EXPECT_EQ(ClassifyRegion(Event(4, 500, 1.3999, 1000.0)), Region::kNone);
  EXPECT_EQ(ClassifyRegion(Event(4, 500, 1.3999, 1000.01)), Region::kSignal);
  // The 5-jet mass cut (0.8 TeV) does not apply to 4-jet events.
  EXPECT_EQ(ClassifyRegion(Event(4, 500, 0.2, 900)), Region::kNone);
}

TEST(ClassifyRegionTest, FiveOrMoreJetsHaveNoLeadingPtCut) {
  for (int n = 5; n <= 7; ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(ClassifyRegion(Event(n, 210, 1.41, 100)), Region::kValidation);
    EXPECT_EQ(ClassifyRegion(Event(n, 210, 1.4, 100)), Region::kNone);
    EXPECT_EQ(ClassifyRegion(Event(n, 210, 1.39, 800.0)), Region::kNone);
    EXPECT_EQ(ClassifyRegion(Event(n, 210, 1.39, 800.01)), Region::kSignal);
    EXPECT_EQ(ClassifyRegion(Event(n, 210, 1.4, 5000)), Region::kNone);
  }
}

TEST(RegionNameTest, ParseRoundTripsEveryRegion) {
  for (Region region : {Region::kNone, Region::kControl, Region::kValidation, Region::kSignal}) {
    absl::StatusOr<Region> parsed = ParseRegion(RegionName(region));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, region);
  }
  EXPECT_EQ(RegionName(Region::kControl), "control");
  EXPECT_EQ(RegionName(Region::kValidation), "validation");
  EXPECT_EQ(RegionName(Region::kSignal), "signal");
  EXPECT_EQ(RegionName(Region::kNone), "none");
}

TEST(RegionNameTest, ParseIsCaseInsensitiveAndAcceptsAll) {
  absl::StatusOr<Region> parsed = ParseRegion("Validation");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, Region::kValidation);
  parsed = ParseRegion("all");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, Region::kNone);
}

TEST(RegionNameTest, UnknownNameIsRejectedWithTheAllowedNames) {
  for (const char* bad : {"sig", "", "control ", "region"}) {
    absl::StatusOr<Region> parsed = ParseRegion(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(parsed.status().message());
    EXPECT_NE(message.find(std::string("'") + bad + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("control, validation, signal, none, all"), std::string::npos) << message;
  }
}

// JetsWithRegions builds a weighted table whose row r has pt = 200 + r and the
// region code regions[r].
Table JetsWithRegions(const std::vector<int>& regions) {
  Table table({"pt_gev", "region"});
  std::vector<float> weights;
  for (size_t r = 0; r < regions.size(); ++r) {
    table.AppendRow({200.f + static_cast<float>(r), static_cast<float>(regions[r])});
    weights.push_back(0.5f + static_cast<float>(r));
  }
  EXPECT_TRUE(table.SetWeights(weights).ok());
  return table;
}

TEST(SelectRegionTest, KeepsOnlyTheRowsOfTheRegionInOrderWithTheirWeights) {
  const Table jets = JetsWithRegions({1, 2, 0, 2, 3, 1, 2});
  absl::StatusOr<Table> validation = SelectRegion(jets, "validation");
  ASSERT_TRUE(validation.ok()) << validation.status();
  ASSERT_EQ(validation->num_rows(), 3);
  EXPECT_EQ(validation->columns(), jets.columns());
  EXPECT_EQ(validation->at(0, 0), 201.f);
  EXPECT_EQ(validation->at(1, 0), 203.f);
  EXPECT_EQ(validation->at(2, 0), 206.f);
  EXPECT_EQ(validation->weight(0), 1.5f);
  EXPECT_EQ(validation->weight(2), 6.5f);

  absl::StatusOr<Table> control = SelectRegion(jets, "control");
  ASSERT_TRUE(control.ok()) << control.status();
  EXPECT_EQ(control->num_rows(), 2);
  absl::StatusOr<Table> signal = SelectRegion(jets, "signal");
  ASSERT_TRUE(signal.ok()) << signal.status();
  ASSERT_EQ(signal->num_rows(), 1);
  EXPECT_EQ(signal->at(0, 0), 204.f);
  absl::StatusOr<Table> none = SelectRegion(jets, "none");
  ASSERT_TRUE(none.ok()) << none.status();
  ASSERT_EQ(none->num_rows(), 1);
  EXPECT_EQ(none->at(0, 0), 202.f);
}

TEST(SelectRegionTest, AllOrEmptyReturnsTheTableUnchanged) {
  const Table jets = JetsWithRegions({1, 2, 0, 3});
  for (const char* name : {"all", "", "ALL"}) {
    absl::StatusOr<Table> all = SelectRegion(jets, name);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_EQ(all->values(), jets.values());
    EXPECT_EQ(all->weights(), jets.weights());
  }
}

TEST(CountRowsPerRegionTest, CountsEachRegionPresentAndAgreesWithSelectRegion) {
  const Table jets = JetsWithRegions({1, 2, 0, 2, 3, 1, 2});
  const std::map<std::string, int64_t> counts = CountRowsPerRegion(jets);
  EXPECT_EQ(counts, (std::map<std::string, int64_t>{
                        {"control", 2}, {"validation", 3}, {"signal", 1}, {"none", 1}}));
  for (const auto& [name, n] : counts) EXPECT_EQ(*CountRegionRows(jets, name), n) << name;
  EXPECT_EQ(CountRowsPerRegion(JetsWithRegions({1, 1})),
            (std::map<std::string, int64_t>{{"control", 2}}));
}

TEST(CountRowsPerRegionTest, ValuesThatAreNoRegionCodeCountAsUnknown) {
  Table jets({"region"});
  for (float v : {1.f, 2.5f, -1.f, 4.f, std::nanf("")}) jets.AppendRow({v});
  EXPECT_EQ(CountRowsPerRegion(jets),
            (std::map<std::string, int64_t>{{"control", 1}, {"unknown", 4}}));
}

TEST(CountRowsPerRegionTest, TableWithoutRegionColumnHasNoCounts) {
  EXPECT_TRUE(CountRowsPerRegion(Table({"pt_gev"})).empty());
}

TEST(SelectRegionTest, EmptyResultKeepsTheColumns) {
  absl::StatusOr<Table> signal = SelectRegion(JetsWithRegions({1, 1, 2}), "signal");
  ASSERT_TRUE(signal.ok()) << signal.status();
  EXPECT_EQ(signal->num_rows(), 0);
  EXPECT_EQ(signal->columns(), (std::vector<std::string>{"pt_gev", "region"}));
}

TEST(SelectRegionTest, RejectsUnknownNamesAndTablesWithoutRegion) {
  absl::StatusOr<Table> bad = SelectRegion(JetsWithRegions({1}), "sideband");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("sideband"), absl::string_view::npos);

  Table no_region({"pt_gev", "mass_gev"});
  no_region.AppendRow({300.f, 40.f});
  absl::StatusOr<Table> missing = SelectRegion(no_region, "control");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("'region'"), absl::string_view::npos)
      << missing.status();
}

}  // namespace
}  // namespace evgen
