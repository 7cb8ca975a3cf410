#include "core/io/hepmc3_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "core/io/table_file.h"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using ::evgen::testing::FreshEmptyDir;

// Dimuons: two muons (E, px, py, pz) per row, weights 1, 2, 3, ...
Table Dimuons(int rows) {
  Table t({"mu1_e_gev", "mu1_px_gev", "mu1_py_gev", "mu1_pz_gev", "mu2_e_gev", "mu2_px_gev",
           "mu2_py_gev", "mu2_pz_gev"});
  std::vector<float> weights;
  for (int r = 0; r < rows; ++r) {
    const float x = 10.f + r, z = 0.37f * r;
    t.AppendRow({std::sqrt(x * x + z * z) + 0.01f, x, 1.f, z, std::sqrt(x * x + 4 * z * z), -x, 0.f, 2 * z});
    weights.push_back(1.f + static_cast<float>(r));
  }
  EXPECT_TRUE(t.SetWeights(weights).ok());
  return t;
}

// CrossSections are the GenCrossSection values of the file's events.
std::vector<double> CrossSections(const std::string& path) {
  std::ifstream in(path);
  std::vector<double> out;
  for (std::string line; std::getline(in, line);) {
    if (!absl::StartsWith(line, "A 0 GenCrossSection ")) continue;
    std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    double value = 0;
    EXPECT_TRUE(absl::SimpleAtod(fields[3], &value)) << line;
    out.push_back(value);
  }
  return out;
}

TEST(HepMC3WriterTest, StreamedBlocksReadBackBitExactWithARunningCrossSection) {
  const std::string dir = FreshEmptyDir("hepmc-blocks");
  const Table t = Dimuons(9);
  const std::string path = dir + "/mm.hepmc3";
  absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(t, {{"pdg_ids", "13,-13"}});
  ASSERT_TRUE(spec.ok()) << spec.status();
  HepMC3Writer writer;
  ASSERT_TRUE(writer.Open(path, t.columns(), *spec).ok());
  for (int64_t r = 0; r < t.num_rows(); r += 4) ASSERT_TRUE(writer.Append(t.SliceRows(r, r + 4)).ok());
  ASSERT_TRUE(writer.Commit().ok());
  absl::StatusOr<Table> back =
      ReadTableFile(path, "hepmc3", {{"pdg_ids", "13,-13"}, {"slot_names", "mu1,mu2"}});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->values(), t.values());
  EXPECT_EQ(back->weights(), t.weights());
  // Weights 1..9: the running means 1, 1.5, 2, ..., 5.
  const std::vector<double> xsec = CrossSections(path);
  ASSERT_EQ(xsec.size(), 9u);
  for (size_t i = 0; i < xsec.size(); ++i) EXPECT_DOUBLE_EQ(xsec[i], (i + 2) / 2.0);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1) << "no temporary left";
}

// The ttbar-allhad layout: six quarks with t, tbar, W+ and W- between them
// and the hard vertex. The file reads back to the same six final-state
// momenta, and each resonance is the sum of its daughters: W- = p1 + p2,
// tbar = W- + p3, W+ = p4 + p5, t = W+ + p6.
TEST(HepMC3WriterTest, TtbarEventsCarryTheirTopAndWResonances) {
  const std::string dir = FreshEmptyDir("hepmc-ttbar");
  std::vector<std::string> columns;
  for (int i = 1; i <= 6; ++i) {
    for (const char* c : {"_e_gev", "_px_gev", "_py_gev", "_pz_gev"}) columns.push_back("p" + std::to_string(i) + c);
  }
  Table t(columns);
  {
    for (int r = 0; r < 5; ++r) {
      std::vector<float> row;
      for (int i = 0; i < 6; ++i) {
        const float x = 10.f * (i + 1) + r, y = 5.f - i, z = 20.f * (i - 2) + r;
        row.insert(row.end(), {std::sqrt(x * x + y * y + z * z) + 1.f, x, y, z});
      }
      t.AppendRow(row.data());
    }
  }
  const std::string path = dir + "/tt.hepmc3";
  absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(t, {});
  ASSERT_TRUE(spec.ok()) << spec.status();
  HepMC3Writer writer;
  ASSERT_TRUE(writer.Open(path, t.columns(), *spec).ok());
  ASSERT_TRUE(writer.Append(t).ok());
  ASSERT_TRUE(writer.Commit().ok());

  absl::StatusOr<Table> finals = ReadTableFile(path, "hepmc3", {{"pdg_ids", "1,-2,-5,2,-1,5"}});
  ASSERT_TRUE(finals.ok()) << finals.status();
  for (int i = 1; i <= 6; ++i) {
    for (const char* c : {"_px_gev", "_py_gev", "_pz_gev"}) {
      const std::string column = "p" + std::to_string(i) + c;
      EXPECT_EQ(finals->Column(*finals->ColumnIndex(column)), t.Column(*t.ColumnIndex(column))) << column;
    }
  }
  absl::StatusOr<Table> resonances =
      ReadTableFile(path, "hepmc3", {{"pdg_ids", "6,-6,24,-24"}, {"statuses", "2"}});
  ASSERT_TRUE(resonances.ok()) << resonances.status();
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    auto sum = [&](std::initializer_list<int> finals_of) {
      double px = 0;
      for (int i : finals_of) px += t.at(r, *t.ColumnIndex("p" + std::to_string(i) + "_px_gev"));
      return px;
    };
    auto px = [&](int slot) { return resonances->at(r, *resonances->ColumnIndex("p" + std::to_string(slot) + "_px_gev")); };
    EXPECT_NEAR(px(1), sum({4, 5, 6}), 1e-3) << "t";
    EXPECT_NEAR(px(2), sum({1, 2, 3}), 1e-3) << "tbar";
    EXPECT_NEAR(px(3), sum({4, 5}), 1e-3) << "W+";
    EXPECT_NEAR(px(4), sum({1, 2}), 1e-3) << "W-";
  }
}

TEST(HepMC3WriterTest, AGivenCrossSectionIsWrittenOnEveryEvent) {
  const Table t = Dimuons(3);
  const std::string path = FreshEmptyDir("hepmc-xsec") + "/mm.hepmc3";
  ASSERT_TRUE(WriteHepMC3(path, t,
                          *ParseEventWriteSpec(t, {{"pdg_ids", "13,-13"}, {"cross_section_pb", "42.5"}}))
                  .ok());
  EXPECT_EQ(CrossSections(path), std::vector<double>(3, 42.5));
}

TEST(HepMC3WriterTest, AbandonedAndEmptyWritesLeaveNoFile) {
  const std::string dir = FreshEmptyDir("hepmc-abandon");
  const Table t = Dimuons(4);
  const EventWriteSpec spec = *ParseEventWriteSpec(t, {{"pdg_ids", "13,-13"}});
  {
    HepMC3Writer writer;
    ASSERT_TRUE(writer.Open(dir + "/a.hepmc3", t.columns(), spec).ok());
    ASSERT_TRUE(writer.Append(t.SliceRows(0, 2)).ok());
  }
  HepMC3Writer empty;
  ASSERT_TRUE(empty.Open(dir + "/b.hepmc3", t.columns(), spec).ok());
  EXPECT_TRUE(absl::StrContains(empty.Commit().message(), "no rows"));
  HepMC3Writer wrong;
  absl::Status s = wrong.Open(dir + "/c.hepmc3", {"x"}, spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

}  // namespace
}  // namespace evgen
