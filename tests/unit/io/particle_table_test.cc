#include "core/io/particle_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "core/io/lhe.h"
#include "core/io/table_file.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

std::string SharedData(const std::string& relative) {
  const char* env = std::getenv("EVGEN_SHARED_DATA");
  return std::string(env != nullptr && *env != '\0' ? env : "/work/shared/data") + "/" + relative;
}

// Event makes an event of n final-state particles (status 1) after two
// incoming ones (status -1); particle i has E = 10 * (i + 1).
std::vector<EventParticle> Event(int n) {
  std::vector<EventParticle> out;
  for (int i = 0; i < 2; ++i) out.push_back({21, -1, 5, 0, 0, 5, 0});
  for (int i = 0; i < n; ++i) {
    const double e = 10.0 * (i + 1);
    out.push_back({i % 2 == 0 ? 11 : -11, 1, e, 1, 2, 3, 0});
  }
  return out;
}

absl::StatusOr<Table> Build(ParticleSelection s, const std::vector<int>& multiplicities,
                            ReadReport* report = nullptr) {
  EVGEN_ASSIGN_OR_RETURN(ParticleTableBuilder b, ParticleTableBuilder::Create(std::move(s)));
  for (size_t i = 0; i < multiplicities.size(); ++i) {
    EVGEN_RETURN_IF_ERROR(
        b.AddEvent(Event(multiplicities[i]), 0.5 * (i + 1), "f.lhe:" + std::to_string(10 * i) +
                                                               ": event " + std::to_string(i + 1)));
  }
  return b.Finish("f.lhe", report);
}

TEST(ParticleTableTest, LayoutNamesParseAndUnknownOnesListTheAllowed) {
  EXPECT_EQ(*ParseParticleLayout("padded"), ParticleLayout::kPadded);
  EXPECT_EQ(*ParseParticleLayout("particles"), ParticleLayout::kParticles);
  EXPECT_EQ(*ParseParticleLayout("fixed"), ParticleLayout::kFixed);
  absl::Status s = ParseParticleLayout("ragged").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "'ragged' is not one of fixed, padded, particles")) << s;
  s = ParseParticleSelection({{"layout", "long"}}).status();
  EXPECT_TRUE(absl::StrContains(s.message(), "fixed, padded, particles")) << s;
  s = ParseParticleSelection({{"pad_value", "inf"}}).status();
  EXPECT_TRUE(absl::StrContains(s.message(), "option pad_value")) << s;
  EXPECT_TRUE(std::isnan(ParseParticleSelection({{"pad_value", "nan"}})->pad_value));
  EXPECT_EQ(ParseParticleSelection({{"pad_value", "-999"}})->pad_value, -999.f);
}

TEST(ParticleTableTest, FixedLayoutRefusesAnotherMultiplicityAndSuggestsTheOthers) {
  absl::Status s = Build(ParticleSelection(), {2, 3}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "f.lhe:10: event 2: 3 particles")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "layout=padded")) << s;
}

TEST(ParticleTableTest, FixedLayoutCountsWhatSkipIncompleteSkips) {
  ParticleSelection sel;
  sel.skip_incomplete = true;
  ReadReport report;
  absl::StatusOr<Table> t = Build(sel, {2, 3, 2, 4}, &report);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 2);
  EXPECT_EQ(report.events_in_file, 4);
  EXPECT_EQ(report.events_kept, 2);
  EXPECT_EQ(report.events_skipped.at(kSkipOtherMultiplicity), 2);
  EXPECT_EQ(report.events_per_multiplicity, (std::map<int64_t, int64_t>{{2, 2}}));
}

TEST(ParticleTableTest, PaddedLayoutPadsToTheWidestEventWithACountColumn) {
  ParticleSelection sel;
  sel.layout = ParticleLayout::kPadded;
  sel.include_pdg_id = true;
  ReadReport report;
  absl::StatusOr<Table> t = Build(sel, {1, 3, 2}, &report);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->num_columns(), 1 + 3 * 5);
  EXPECT_EQ(t->columns()[0], "n_particles");
  EXPECT_EQ(t->columns()[1], "p1_e_gev");
  EXPECT_EQ(t->columns().back(), "p3_pdg_id");
  EXPECT_EQ(t->Column(0), (std::vector<float>{1, 3, 2}));
  EXPECT_EQ(t->at(1, *t->ColumnIndex("p3_e_gev")), 30.f);
  EXPECT_EQ(t->at(0, *t->ColumnIndex("p2_e_gev")), 0.f);   // padding
  EXPECT_EQ(t->at(0, *t->ColumnIndex("p3_pdg_id")), 0.f);  // no particle has PDG id 0
  EXPECT_EQ(t->weights(), (std::vector<float>{0.5f, 1.f, 1.5f}));
  EXPECT_EQ(report.events_per_multiplicity, (std::map<int64_t, int64_t>{{1, 1}, {2, 1}, {3, 1}}));
  EXPECT_EQ(report.rows, 3);
  EXPECT_EQ(report.columns, 16);
  // Written back as events, its padding slots would become particles.
  absl::Status s = ParseEventWriteSpec(*t, {{"pdg_ids", "11,-11,21"}}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "n_particles column")) << s;
}

TEST(ParticleTableTest, PaddedLayoutWithAMultiplicityRefusesOrCountsWiderEvents) {
  ParticleSelection sel;
  sel.layout = ParticleLayout::kPadded;
  sel.multiplicity = 2;
  sel.pad_value = std::nanf("");
  absl::Status s = Build(sel, {1, 3}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "f.lhe:10: event 2: 3 particles")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "more than multiplicity=2")) << s;
  sel.skip_incomplete = true;
  ReadReport report;
  absl::StatusOr<Table> t = Build(sel, {1, 3, 2}, &report);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_columns(), 1 + 2 * 4);
  EXPECT_TRUE(std::isnan(t->at(0, *t->ColumnIndex("p2_e_gev"))));
  EXPECT_EQ(report.events_skipped.at(kSkipAboveMultiplicity), 1);
  EXPECT_EQ(report.events_kept, 2);
}

TEST(ParticleTableTest, ParticlesLayoutHasOneRowPerParticleWithTheEventAndItsWeight) {
  ParticleSelection sel;
  sel.layout = ParticleLayout::kParticles;
  sel.include_mass = true;
  absl::StatusOr<Table> t = Build(sel, {1, 2});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->columns(), (std::vector<std::string>{"event", "particle", "n_particles", "e_gev",
                                                    "px_gev", "py_gev", "pz_gev", "m_gev"}));
  ASSERT_EQ(t->num_rows(), 3);
  EXPECT_EQ(t->Column(0), (std::vector<float>{1, 2, 2}));
  EXPECT_EQ(t->Column(1), (std::vector<float>{0, 0, 1}));
  EXPECT_EQ(t->Column(2), (std::vector<float>{1, 2, 2}));
  EXPECT_EQ(t->weights(), (std::vector<float>{0.5f, 1.f, 1.f}));
}

TEST(ParticleTableTest, ParticlesLayoutRefusesOrCountsEventsWithoutParticles) {
  ParticleSelection sel;
  sel.layout = ParticleLayout::kParticles;
  absl::Status s = Build(sel, {1, 0}).status();
  EXPECT_TRUE(absl::StrContains(s.message(), "f.lhe:10: event 2: no particle")) << s;
  sel.skip_incomplete = true;
  ReadReport report;
  ASSERT_TRUE(Build(sel, {1, 0, 2}, &report).ok());
  EXPECT_EQ(report.events_skipped.at(kSkipNoParticles), 1);
  EXPECT_EQ(report.events_kept, 2);
}

TEST(ParticleTableTest, ParticlesLayoutRefusesEventNumbersFloat32CannotHold) {
  ParticleSelection sel;
  sel.layout = ParticleLayout::kParticles;
  absl::StatusOr<ParticleTableBuilder> b = ParticleTableBuilder::Create(sel);
  ASSERT_TRUE(b.ok());
  const std::vector<EventParticle> none = Event(0);  // skipped quickly, no rows kept
  sel.skip_incomplete = true;
  b = ParticleTableBuilder::Create(sel);
  for (int64_t i = 1; i < kMaxExactEventId; ++i) ASSERT_TRUE(b->AddEvent(none, 1, "f").ok());
  ASSERT_TRUE(b->AddEvent(Event(1), 1, "f:9: event 16777216").ok());  // 2^24 is exact
  absl::Status s = b->AddEvent(Event(1), 1, "f:99: event 16777217");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "f:99: event 16777217: layout=particles")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "2^24 = 16777216")) << s;
}

TEST(ParticleTableTest, LayoutsOtherThanFixedRefusePdgIdSlots) {
  ParticleSelection sel;
  sel.layout = ParticleLayout::kPadded;
  sel.pdg_ids = {11, -11};
  absl::Status s = ParticleTableBuilder::Create(sel).status();
  EXPECT_TRUE(absl::StrContains(s.message(), "cannot be combined with pdg_ids")) << s;
  sel.pdg_ids.clear();
  sel.layout = ParticleLayout::kParticles;
  sel.slot_names = {"a"};
  s = ParticleTableBuilder::Create(sel).status();
  EXPECT_TRUE(absl::StrContains(s.message(), "option slot_names")) << s;
}

TEST(ParticleTableTest, MaxEventsCountsKeptEventsAndLeavesANote) {
  ParticleSelection sel;
  sel.layout = ParticleLayout::kParticles;
  sel.max_events = 2;
  ReadReport report;
  absl::StatusOr<Table> t = Build(sel, {2, 3, 1}, &report);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 5);
  EXPECT_EQ(report.events_kept, 2);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_TRUE(absl::StrContains(report.notes[0], "max_events=2")) << report.notes[0];
}

// The real merged MadGraph sample: Drell-Yan + 0/1/2 jets (MLM), 10,000
// events with 2, 3 or 4 final-state particles.
class MergedSampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = SharedData("pythia8-example-lhe/zProduction_Mlm_012.lhe.gz");
    if (!std::filesystem::exists(path_)) GTEST_SKIP() << path_ << " not present";
  }
  std::string path_;
};

const std::map<int64_t, int64_t> kMergedMultiplicities = {{2, 5512}, {3, 2856}, {4, 1632}};

TEST_F(MergedSampleTest, FixedLayoutFailsAtTheFirstWiderEvent) {
  absl::Status s = ReadTableFile(path_, "lhe", {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "layout=padded")) << s;
}

TEST_F(MergedSampleTest, SkipIncompleteCountsEverySkippedEvent) {
  ReadReport report;
  absl::StatusOr<Table> t = ReadTableFile(path_, "lhe", {{"skip_incomplete", "1"}}, &report);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(report.events_in_file, 10000);
  EXPECT_EQ(report.events_kept + report.events_skipped_total(), 10000);
  EXPECT_EQ(report.events_skipped.at(kSkipOtherMultiplicity), 2856 + 1632);
}

TEST_F(MergedSampleTest, PaddedLayoutKeepsEveryEvent) {
  ReadReport report;
  absl::StatusOr<Table> t =
      ReadTableFile(path_, "lhe", {{"layout", "padded"}, {"include_pdg_id", "1"}}, &report);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 10000);
  EXPECT_EQ(t->num_columns(), 1 + 4 * 5);
  EXPECT_EQ(report.events_kept, 10000);
  EXPECT_EQ(report.events_skipped_total(), 0);
  EXPECT_EQ(report.events_per_multiplicity, kMergedMultiplicities);
  EXPECT_EQ(report.write_options.at("idwtup"), "3");
  EXPECT_EQ(report.write_options.at("beam_energies_gev"), "3500,3500");
  int64_t with_four = 0;
  for (int64_t r = 0; r < t->num_rows(); ++r) {
    const int n = static_cast<int>(t->at(r, 0));
    with_four += n == 4;
    if (n < 4) {
      EXPECT_EQ(t->at(r, *t->ColumnIndex("p4_pdg_id")), 0.f) << "row " << r;
    }
    EXPECT_FLOAT_EQ(t->weight(r), 0.37513f);
  }
  EXPECT_EQ(with_four, 1632);
}

TEST_F(MergedSampleTest, ParticlesLayoutKeepsEveryEventAndEveryParticle) {
  ReadReport report;
  absl::StatusOr<Table> t = ReadTableFile(path_, "lhe", {{"layout", "particles"}}, &report);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 2 * 5512 + 3 * 2856 + 4 * 1632);
  EXPECT_EQ(report.events_kept, 10000);
  EXPECT_EQ(report.events_per_multiplicity, kMergedMultiplicities);
  EXPECT_EQ(t->at(0, 0), 1.f);
  EXPECT_EQ(t->at(t->num_rows() - 1, 0), 10000.f);
}

TEST_F(MergedSampleTest, PaddedMultiplicityBelowTheWidestEventNamesTheEvent) {
  absl::Status s = ReadTableFile(path_, "lhe", {{"layout", "padded"}, {"multiplicity", "3"}}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), path_ + ":")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), ": 4 particles")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "more than multiplicity=3")) << s;
}

}  // namespace
}  // namespace evgen
