#include "core/io/lhe_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "HepMC3/LHEF.h"
#include "absl/strings/match.h"
#include "core/io/lhe.h"
#include "core/io/table_file.h"
#include "tests/unit/test_dirs.h"

namespace evgen {
namespace {

using ::evgen::testing::FreshEmptyDir;

// AllhadTable is the ttbar-allhad layout p1..p6 (E, px, py, pz) of random
// light and b quarks; `weights` adds weights 0.5, 1.5, ...
Table AllhadTable(int rows, bool weights, unsigned seed = 3) {
  std::vector<std::string> columns;
  for (int i = 1; i <= 6; ++i) {
    for (const char* c : {"_e_gev", "_px_gev", "_py_gev", "_pz_gev"}) {
      columns.push_back("p" + std::to_string(i) + c);
    }
  }
  Table t(columns);
  std::mt19937 rng(seed);
  std::normal_distribution<float> p(0.f, 60.f);
  std::vector<float> w;
  for (int r = 0; r < rows; ++r) {
    std::vector<float> row;
    for (int i = 0; i < 6; ++i) {
      const float m = i == 2 || i == 5 ? 4.8f : 0.f;
      const float x = p(rng), y = p(rng), z = 2 * p(rng);
      row.insert(row.end(), {std::sqrt(x * x + y * y + z * z + m * m), x, y, z});
    }
    t.AppendRow(row.data());
    w.push_back(0.5f + static_cast<float>(r % 5));
  }
  if (weights) {
    EXPECT_TRUE(t.SetWeights(w).ok());
  }
  return t;
}

// WriteInBlocks streams `t` through an LheWriter in blocks of `block` rows.
absl::Status WriteInBlocks(const std::string& path, const Table& t, const EventWriteSpec& spec,
                           int64_t block) {
  LheWriter writer;
  absl::Status s = writer.Open(path, t.columns(), spec, t.num_rows());
  for (int64_t r = 0; s.ok() && r < t.num_rows(); r += block) {
    s = writer.Append(t.SliceRows(r, r + block));
  }
  return s.ok() ? writer.Commit() : s;
}

TEST(LheWriterTest, StreamedBlocksReadBackAsTheSameFinalState) {
  const std::string dir = FreshEmptyDir("lhe-blocks");
  const Table t = AllhadTable(40, true);
  const std::string path = dir + "/tt.lhe";
  ASSERT_TRUE(WriteInBlocks(path, t, *ParseEventWriteSpec(t, {}), 7).ok());
  // The reader keeps status 1 by default: the resonances are left out.
  ReadReport report;
  absl::StatusOr<Table> back = ReadTableFile(path, "lhe", {}, &report);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->columns(), t.columns());
  EXPECT_EQ(back->values(), t.values());
  EXPECT_EQ(back->weights(), t.weights());
  // The <init> block was filled in at the end: IDWTUP 4 and the mean weight.
  EXPECT_EQ(report.write_options["idwtup"], "4");
  double mean = 0;
  for (float w : t.weights()) mean += static_cast<double>(w) / static_cast<double>(t.num_rows());
  EXPECT_NEAR(std::stod(report.write_options["cross_section_pb"]), mean, 1e-9);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1) << "no temporary left";
}

TEST(LheWriterTest, LhefReaderAcceptsTheEventsAndColourIsConserved) {
  const std::string path = FreshEmptyDir("lhe-lhef") + "/tt.lhe";
  const Table t = AllhadTable(25, false);
  ASSERT_TRUE(WriteInBlocks(path, t, *ParseEventWriteSpec(t, {}), 10).ok());
  std::ifstream in(path);
  LHEF::Reader reader(in);
  EXPECT_EQ(reader.heprup.IDWTUP, 3);
  ASSERT_EQ(reader.heprup.XSECUP.size(), 1u);
  EXPECT_DOUBLE_EQ(reader.heprup.XSECUP[0], 1.0);
  EXPECT_DOUBLE_EQ(reader.heprup.XMAXUP[0], 1.0);
  int events = 0;
  while (reader.readEvent()) {
    const LHEF::HEPEUP& e = reader.hepeup;
    ASSERT_EQ(e.NUP, 12) << "2 gluons, t tbar W+ W-, 6 quarks";
    std::map<int, int> net;
    for (int i = 0; i < e.NUP; ++i) {
      const int sign = e.ISTUP[i] == -1 ? -1 : e.ISTUP[i] == 1 ? 1 : 0;
      net[e.ICOLUP[i].first] += sign;
      net[e.ICOLUP[i].second] -= sign;
      if (e.ISTUP[i] == 1 && std::abs(e.IDUP[i]) <= 6) {
        EXPECT_NE(e.ICOLUP[i].first + e.ICOLUP[i].second, 0) << "a quark without colour";
      }
    }
    net.erase(0);
    for (const auto& [tag, n] : net) EXPECT_EQ(n, 0) << "event " << events << " tag " << tag;
    // Each resonance is the sum of its daughters and keeps its mass.
    for (int m = 0; m < e.NUP; ++m) {
      if (e.ISTUP[m] != 2) continue;
      double sum[4] = {0, 0, 0, 0};
      for (int d = 0; d < e.NUP; ++d) {
        if (e.MOTHUP[d].first != m + 1) continue;
        for (int k = 0; k < 4; ++k) sum[k] += e.PUP[d][k];
      }
      for (int k = 0; k < 4; ++k) EXPECT_NEAR(sum[k], e.PUP[m][k], 1e-6 * (1 + std::abs(e.PUP[m][3])));
      const double m2 = e.PUP[m][3] * e.PUP[m][3] - e.PUP[m][0] * e.PUP[m][0] -
                        e.PUP[m][1] * e.PUP[m][1] - e.PUP[m][2] * e.PUP[m][2];
      EXPECT_NEAR(e.PUP[m][4], std::sqrt(std::max(0.0, m2)), 1e-6 * (1 + e.PUP[m][3]));
    }
    // t -> W+ b: the top carries the b's colour.
    EXPECT_EQ(e.IDUP[2], 6);
    EXPECT_EQ(e.ICOLUP[2].first, e.ICOLUP[11].first);
    EXPECT_EQ(e.IDUP[4], 24);
    EXPECT_EQ(e.MOTHUP[4].first, 3);
    ++events;
  }
  EXPECT_EQ(events, 25);
}

TEST(LheWriterTest, ResonancesReadBackAsTheSumsOfTheirDecays) {
  const std::string path = FreshEmptyDir("lhe-res") + "/tt.lhe";
  const Table t = AllhadTable(10, false);
  ASSERT_TRUE(WriteLhe(path, t, *ParseEventWriteSpec(t, {})).ok());
  absl::StatusOr<Table> tops =
      ReadTableFile(path, "lhe", {{"pdg_ids", "6,-6,24,-24"}, {"statuses", "2"}});
  ASSERT_TRUE(tops.ok()) << tops.status();
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    double e_t = 0, e_wm = 0;
    for (int i : {4, 5, 6}) e_t += t.at(r, *t.ColumnIndex("p" + std::to_string(i) + "_e_gev"));
    for (int i : {1, 2}) e_wm += t.at(r, *t.ColumnIndex("p" + std::to_string(i) + "_e_gev"));
    EXPECT_NEAR(tops->at(r, *tops->ColumnIndex("p1_e_gev")), e_t, 1e-4 * e_t);
    EXPECT_NEAR(tops->at(r, *tops->ColumnIndex("p4_e_gev")), e_wm, 1e-4 * e_wm);
  }
}

TEST(LheWriterTest, OtherLayoutsHaveNoResonances) {
  Table t({"mu1_e_gev", "mu1_px_gev", "mu1_py_gev", "mu1_pz_gev", "j_e_gev", "j_px_gev",
           "j_py_gev", "j_pz_gev"});
  t.AppendRow({50.f, 30.f, 4.f, 39.f, 60.f, -30.f, -4.f, 51.f});
  const std::string path = FreshEmptyDir("lhe-mu") + "/mu.lhe";
  ASSERT_TRUE(WriteLhe(path, t, *ParseEventWriteSpec(t, {{"pdg_ids", "13,21"}})).ok());
  std::ifstream in(path);
  LHEF::Reader reader(in);
  ASSERT_TRUE(reader.readEvent());
  EXPECT_EQ(reader.hepeup.NUP, 4);
}

TEST(LheWriterTest, UnconservableColourIsRefusedBeforeAnythingIsWritten) {
  Table t({"q_e_gev", "q_px_gev", "q_py_gev", "q_pz_gev"});
  t.AppendRow({50.f, 30.f, 4.f, 39.f});
  const std::string dir = FreshEmptyDir("lhe-colour");
  LheWriter writer;
  absl::Status s = writer.Open(dir + "/q.lhe", t.columns(), *ParseEventWriteSpec(t, {{"pdg_ids", "2"}}), 1);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "q.lhe: colour cannot be conserved in 21 21 -> 2")) << s;
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(LheWriterTest, AbandonedAndRefusedWritesLeaveNoFile) {
  const std::string dir = FreshEmptyDir("lhe-abandon");
  const Table t = AllhadTable(6, true);
  {
    LheWriter writer;
    ASSERT_TRUE(writer.Open(dir + "/a.lhe", t.columns(), *ParseEventWriteSpec(t, {}), 6).ok());
    ASSERT_TRUE(writer.Append(t.SliceRows(0, 3)).ok());
  }
  // idwtup 3 claims equal weights; the weights are only all known at Commit.
  absl::Status s = WriteInBlocks(dir + "/b.lhe", t, *ParseEventWriteSpec(t, {{"idwtup", "3"}}), 2);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "row 2 has weight 1.5, row 1 0.5"))
      << s;
  LheWriter empty;
  ASSERT_TRUE(empty.Open(dir + "/c.lhe", t.columns(), *ParseEventWriteSpec(t, {}), 0).ok());
  EXPECT_TRUE(absl::StrContains(empty.Commit().message(), "no rows"));
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

}  // namespace
}  // namespace evgen
