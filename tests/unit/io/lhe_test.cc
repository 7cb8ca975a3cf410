#include "core/io/lhe.h"
#include "core/io/lhe_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <map>
#include <random>

#include "core/io/atomic_file.h"

namespace evgen {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) + "-" + name;
}

std::string SharedData(const std::string& relative) {
  const char* env = std::getenv("EVGEN_SHARED_DATA");
  return std::string(env != nullptr && *env != '\0' ? env : "/work/shared/data") + "/" + relative;
}

double Mass(const Table& t, int64_t row, const std::vector<std::string>& slots) {
  double e = 0, px = 0, py = 0, pz = 0;
  for (const std::string& s : slots) {
    e += t.at(row, *t.ColumnIndex(s + "_e_gev"));
    px += t.at(row, *t.ColumnIndex(s + "_px_gev"));
    py += t.at(row, *t.ColumnIndex(s + "_py_gev"));
    pz += t.at(row, *t.ColumnIndex(s + "_pz_gev"));
  }
  return std::sqrt(std::max(0.0, e * e - px * px - py * py - pz * pz));
}

// SixQuarks makes a table in the ttbar-allhad layout (p1..p6, E and p in GeV)
// of massive quarks with random momenta.
Table SixQuarks(int rows, bool weighted) {
  std::vector<std::string> columns;
  for (int i = 1; i <= 6; ++i) {
    for (const char* s : {"_e_gev", "_px_gev", "_py_gev", "_pz_gev"}) {
      columns.push_back("p" + std::to_string(i) + s);
    }
  }
  Table t(columns);
  std::mt19937 rng(7);
  std::normal_distribution<float> p(0.f, 80.f);
  const float masses[6] = {0.33f, 0.33f, 4.8f, 0.33f, 0.33f, 4.8f};
  std::vector<float> weights;
  for (int r = 0; r < rows; ++r) {
    std::vector<float> row;
    for (int i = 0; i < 6; ++i) {
      float x = p(rng), y = p(rng), z = 3 * p(rng);
      row.push_back(std::sqrt(x * x + y * y + z * z + masses[i] * masses[i]));
      row.push_back(x);
      row.push_back(y);
      row.push_back(z);
    }
    t.AppendRow(row.data());
    weights.push_back(0.5f + static_cast<float>(r % 7));
  }
  if (weighted) {
    EXPECT_TRUE(t.SetWeights(weights).ok());
  }
  return t;
}

ParticleSelection AllhadSelection() {
  ParticleSelection s;
  s.pdg_ids = {1, -2, -5, 2, -1, 5};
  return s;
}

TEST(LheTest, RoundTripGivesTheSameTable) {
  for (bool weighted : {false, true}) {
    const Table t = SixQuarks(200, weighted);
    absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(t, {});
    ASSERT_TRUE(spec.ok()) << spec.status();
    const std::string path = TempPath("round.lhe");
    ASSERT_TRUE(WriteLhe(path, t, *spec).ok());
    LheFileInfo info;
    absl::StatusOr<Table> back = ReadLhe(path, AllhadSelection(), &info);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->columns(), t.columns());
    EXPECT_EQ(back->values(), t.values());  // %.10e round-trips float32 exactly
    for (int64_t r = 0; r < t.num_rows(); ++r) EXPECT_EQ(back->weight(r), t.weight(r));
    EXPECT_EQ(info.beam1_pdg_id, 2212);
    EXPECT_DOUBLE_EQ(info.beam2_energy_gev, 6500.0);
    EXPECT_EQ(info.events_in_file, 200);
    // Positive weights of different sizes are IDWTUP 4; none are 3.
    EXPECT_EQ(info.weighting_strategy, weighted ? 4 : 3);
  }
}

TEST(LheTest, WrittenEventsBalanceMomentumAndMassesMatchEnergies) {
  const Table t = SixQuarks(20, false);
  const std::string path = TempPath("balance.lhe");
  ASSERT_TRUE(WriteLhe(path, t, *ParseEventWriteSpec(t, {})).ok());
  ParticleSelection all;  // all-final-state mode, statuses {-1, 1}
  all.statuses = {-1, 1};
  all.include_mass = true;
  all.include_pdg_id = true;
  absl::StatusOr<Table> back = ReadLhe(path, all);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->num_columns(), 8 * 6);
  for (int64_t r = 0; r < back->num_rows(); ++r) {
    double e_in = 0, pz_in = 0, e_out = 0, pz_out = 0;
    for (int s = 1; s <= 8; ++s) {
      const std::string p = "p" + std::to_string(s);
      const double e = back->at(r, *back->ColumnIndex(p + "_e_gev"));
      const double pz = back->at(r, *back->ColumnIndex(p + "_pz_gev"));
      (s <= 2 ? e_in : e_out) += e;
      (s <= 2 ? pz_in : pz_out) += pz;
      const double m = back->at(r, *back->ColumnIndex(p + "_m_gev"));
      const double m_from_e = Mass(*back, r, {p});
      EXPECT_NEAR(m, m_from_e, 2e-3 * std::max(1.0, e / 100));
    }
    EXPECT_NEAR(e_in, e_out, 1e-3 * e_out);
    EXPECT_NEAR(pz_in, pz_out, 1e-3 * e_out);
    EXPECT_EQ(back->at(r, *back->ColumnIndex("p1_pdg_id")), 21.f);
    EXPECT_EQ(back->at(r, *back->ColumnIndex("p5_pdg_id")), -5.f);
  }
}

TEST(LheTest, WritesEnergiesFromMassesWhenTheTableHasNone) {
  Table t({"mu1_px_gev", "mu1_py_gev", "mu1_pz_gev", "mu2_px_gev", "mu2_py_gev", "mu2_pz_gev"});
  t.AppendRow({30.f, 4.f, -12.f, -30.f, -4.f, 50.f});
  absl::StatusOr<EventWriteSpec> spec =
      ParseEventWriteSpec(t, {{"pdg_ids", "13,-13"}, {"masses_gev", "0.105658,0.105658"},
                              {"incoming_pdg_ids", "none"}});
  ASSERT_TRUE(spec.ok()) << spec.status();
  const std::string path = TempPath("muons.lhe");
  ASSERT_TRUE(WriteLhe(path, t, *spec).ok());
  absl::StatusOr<Table> back =
      ReadLheWithOptions(path, {{"pdg_ids", "13,-13"}, {"slot_names", "mu1,mu2"}, {"include_mass", "1"}});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_NEAR(back->at(0, *back->ColumnIndex("mu1_m_gev")), 0.105658, 1e-6);
  EXPECT_NEAR(back->at(0, *back->ColumnIndex("mu2_e_gev")),
              std::sqrt(900 + 16 + 2500 + 0.105658 * 0.105658), 1e-4);
  EXPECT_EQ(back->at(0, *back->ColumnIndex("mu2_pz_gev")), 50.f);
}

TEST(LheTest, WriterRejectsBadInput) {
  const Table t = SixQuarks(3, false);
  absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(t, {{"pdg_ids", "1,2,3"}});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("3 ids for 6 particle column groups"), std::string::npos);
  spec = ParseEventWriteSpec(t, {{"colour", "octet"}});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("unknown option 'colour'"), std::string::npos);
  Table other({"a_px_gev", "a_py_gev", "a_pz_gev"});
  other.AppendRow({1.f, 2.f, 3.f});
  spec = ParseEventWriteSpec(other, {});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("pdg_ids is required"), std::string::npos);
  // No energy column and no mass.
  spec = ParseEventWriteSpec(other, {{"pdg_ids", "11"}});
  ASSERT_TRUE(spec.ok());
  absl::Status s = WriteLhe(TempPath("nomass.lhe"), other, *spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("no a_e_gev column"), std::string::npos) << s;
  s = WriteLhe(TempPath("empty.lhe"), Table(t.columns()), *ParseEventWriteSpec(t, {}));
  EXPECT_NE(s.message().find("no rows"), std::string::npos) << s;
  EXPECT_FALSE(std::filesystem::exists(TempPath("empty.lhe")));
}

// A minimal valid file around the given event blocks.
std::string Lhe(const std::string& events, bool close = true) {
  std::string text =
      "<LesHouchesEvents version=\"3.0\">\n<header>\n<!-- <event> inside the header -->\n"
      "</header>\n<init>\n2212 2212 6500 6500 0 0 0 0 3 1\n1.0 0.0 1.0 1\n</init>\n" +
      events;
  if (close) text += "</LesHouchesEvents>\n";
  return text;
}

const char kTop[] = " 6 1 1 2 501 0 10 20 30 200.0 173.0 0 9\n";
const char kAntitop[] = " -6 1 1 2 0 501 -10 -20 -30 200.0 173.0 0 9\n";

std::string Event(int nup, const std::string& particles, const std::string& extra = "") {
  return "<event>\n " + std::to_string(nup) + " 1 2.5 100 0.0078 0.118\n" + particles + extra +
         "</event>\n";
}

ParticleSelection Tops() {
  ParticleSelection s;
  s.pdg_ids = {6, -6};
  return s;
}

TEST(LheTest, SkipsExtraBlocksAndComments) {
  const std::string text = Lhe(Event(2, std::string(kTop) + kAntitop,
                                     "#pdf 21 21 0.1 0.2\n<mgrwt>\n<rscale> 2 0.1E+03</rscale>\n"
                                     "</mgrwt>\n<rwgt>\n<wgt id='1'> 2.5 </wgt>\n</rwgt>\n") +
                               Event(2, std::string(kAntitop) + kTop));
  LheFileInfo info;
  absl::StatusOr<Table> t = ParseLhe(text, "x.lhe", Tops(), &info);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 2);
  EXPECT_EQ(t->at(1, *t->ColumnIndex("p1_px_gev")), 10.f);  // the top, whatever its line
  EXPECT_EQ(t->weight(0), 2.5f);
  EXPECT_EQ(info.cross_sections_pb, std::vector<double>{1.0});
}

TEST(LheTest, ErrorsNameTheFileLineEventAndProblem) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::string two = std::string(kTop) + kAntitop;
  const std::vector<Case> cases = {
      {"", "x.lhe: empty file"},
      {"\n\n", "x.lhe: empty file"},
      {"hello world\n", "x.lhe:1: not a Les Houches Event file"},
      {Lhe(Event(3, two)), "x.lhe:13: event 1: <event> block has 2 particle lines, NUP says 3"},
      {Lhe(Event(1, two)), "x.lhe:9: event 1: <event> block has 2 particle lines, NUP says 1"},
      {Lhe(Event(2, std::string(kTop) + " -6 1 1 2 0 501 -10 abc -30 200 173 0 9\n")),
       "x.lhe:12: event 1: particle 2 field 8: 'abc' is not a number"},
      {Lhe(Event(2, std::string(kTop) + " -6 1 1 2 0 501 -10 -20 -30 200 173 0\n")),
       "x.lhe:12: event 1: particle line has 12 fields, expected 13"},
      {Lhe("<event>\n 2 1 2.5 100 0.0078\n" + two + "</event>\n"),
       "x.lhe:10: event 1: event line has 5 fields, expected 6"},
      {Lhe("<event>\n 2 1 x 100 0.0078 0.1\n" + two + "</event>\n"),
       "x.lhe:10: event 1: event line field 3: 'x' is not a number"},
      {Lhe(Event(2, two) + "<event>\n 2 1 2.5 100 0.0078 0.118\n" + kTop, false),
       "x.lhe:14: event 2: truncated: the file ends after 1 of NUP=2 particle lines"},
      {Lhe(Event(2, two) + "<event>\n 2 1 2.5 100 0.0078 0.118\n" + two, false),
       "x.lhe:14: event 2: truncated: the <event> block has no </event>"},
      {Lhe(Event(2, two), false), "truncated: no </LesHouchesEvents> after event 1"},
      {Lhe(""), "x.lhe: no <event> blocks"},
      {"<LesHouchesEvents version=\"3.0\">\n" + Event(2, two) + "</LesHouchesEvents>\n",
       "x.lhe:2: event 1: <event> before the <init> block"},
      {"<LesHouchesEvents version=\"3.0\">\n</LesHouchesEvents>\n", "x.lhe: no <init> block"},
      {"<LesHouchesEvents version=\"3.0\">\n<init>\n2212 2212 6500 6500 0 0 0 0 3\n</init>\n",
       "x.lhe:3: <init> line has 9 fields, expected 10"},
      {Lhe(Event(2, std::string(kTop) + kTop)),
       "x.lhe:9: event 1: no particle with PDG id -6 and status in {1} left for slot 2 (p2)"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Table> t = ParseLhe(c.text, "x.lhe", Tops());
    ASSERT_FALSE(t.ok()) << c.expected;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find(c.expected), std::string::npos)
        << "got: " << t.status().message() << "\nwant: " << c.expected;
  }
}

TEST(LheTest, IncompleteEventsCanBeSkippedAndCounted) {
  const std::string two = std::string(kTop) + kAntitop;
  const std::string text = Lhe(Event(2, two) + Event(2, std::string(kTop) + kTop) + Event(2, two));
  ParticleSelection s = Tops();
  s.skip_incomplete = true;
  LheFileInfo info;
  absl::StatusOr<Table> t = ParseLhe(text, "x.lhe", s, &info);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 2);
  EXPECT_EQ(info.events_skipped, 1);
  EXPECT_EQ(info.events_in_file, 3);

  // abs_pdg: both slots take |id| 6, in record order.
  s.abs_pdg = true;
  s.skip_incomplete = false;
  s.pdg_ids = {6, 6};
  t = ParseLhe(text, "x.lhe", s);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 3);
}

TEST(LheTest, AllFinalStateModeNeedsAFixedMultiplicity) {
  const std::string two = std::string(kTop) + kAntitop;
  const std::string text = Lhe(Event(2, two) + Event(1, kTop));
  ParticleSelection all;
  absl::StatusOr<Table> t = ParseLhe(text, "x.lhe", all);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("x.lhe:14: event 2: 1 particles with status in {1}, expected 2"),
            std::string::npos)
      << t.status();
  all.skip_incomplete = true;
  t = ParseLhe(text, "x.lhe", all);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 1);
  EXPECT_EQ(t->num_columns(), 8);
}

TEST(LheTest, OptionsParseAndRejectUnknownKeys) {
  absl::StatusOr<ParticleSelection> s = ParseParticleSelection(
      {{"pdg_ids", "6, -6"}, {"statuses", "1,2"}, {"abs_pdg", "true"}, {"max_events", "10"},
       {"slot_names", "t,tbar"}, {"include_mass", "0"}, {"skip_incomplete", "yes"}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->pdg_ids, (std::vector<int>{6, -6}));
  EXPECT_EQ(s->statuses, (std::vector<int>{1, 2}));
  EXPECT_TRUE(s->abs_pdg);
  EXPECT_TRUE(s->skip_incomplete);
  EXPECT_EQ(s->max_events, 10);
  EXPECT_EQ(s->slot_names, (std::vector<std::string>{"t", "tbar"}));

  s = ParseParticleSelection({{"pdg", "6"}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("unknown option 'pdg'"), std::string::npos);
  s = ParseParticleSelection({{"pdg_ids", "6,top"}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("option pdg_ids: 'top' is not an integer"), std::string::npos);
  s = ParseParticleSelection({{"abs_pdg", "maybe"}});
  EXPECT_FALSE(s.ok());

  ParticleSelection bad = Tops();
  bad.slot_names = {"only_one"};
  EXPECT_FALSE(ParseLhe(Lhe(Event(2, std::string(kTop) + kAntitop)), "x.lhe", bad).ok());
}

TEST(LheTest, MissingFileIsNotFoundAndTruncatedGzipIsRejected) {
  EXPECT_EQ(ReadLhe(TempPath("missing.lhe"), Tops()).status().code(),
            absl::StatusCode::kNotFound);
  const std::string source = SharedData("mg5-ttbar-lhe/gg_tt_events.lhe.gz");
  if (!std::filesystem::exists(source)) GTEST_SKIP() << source << " absent";
  absl::StatusOr<std::string> bytes = ReadFileToString(source);
  ASSERT_TRUE(bytes.ok());
  const std::string path = TempPath("cut.lhe.gz");
  ASSERT_TRUE(WriteFileAtomically(path, bytes->substr(0, bytes->size() / 2)).ok());
  absl::StatusOr<Table> t = ReadLhe(path, Tops());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find(path + ": truncated or corrupt gzip stream"),
            std::string::npos)
      << t.status();
}

// ---------------------------------------------------------------------------
// Real files written by MadGraph, Pythia and POWHEG.

class LheRealFileTest : public ::testing::Test {
 protected:
  absl::StatusOr<Table> Read(const std::string& relative, const ParticleSelection& s,
                             LheFileInfo* info = nullptr) {
    const std::string path = SharedData(relative);
    if (!std::filesystem::exists(path)) return absl::NotFoundError(path);
    return ReadLhe(path, s, info);
  }
};

#define EVGEN_READ_OR_SKIP(var, expr)                                                 \
  absl::StatusOr<Table> var = (expr);                                                 \
  if (var.status().code() == absl::StatusCode::kNotFound) GTEST_SKIP() << var.status(); \
  ASSERT_TRUE(var.ok()) << var.status()

TEST_F(LheRealFileTest, MadGraphTtbarFilesGiveTenThousandTopsAt173GeV) {
  for (const char* file :
       {"mg5-ttbar-lhe/gg_tt_events.lhe.gz", "mg5-ttbar-lhe/pp_ttx_13TeV_unweighted_events.lhe.gz"}) {
    SCOPED_TRACE(file);
    ParticleSelection s = Tops();
    s.include_mass = true;
    LheFileInfo info;
    EVGEN_READ_OR_SKIP(t, Read(file, s, &info));
    EXPECT_TRUE(info.gzipped);
    EXPECT_EQ(info.events_in_file, 10000);
    EXPECT_EQ(t->num_rows(), 10000);
    EXPECT_EQ(info.beam1_pdg_id, 2212);
    EXPECT_DOUBLE_EQ(info.beam1_energy_gev, 6500);
    ASSERT_TRUE(t->has_weights());
    double mass_sum = 0;
    for (int64_t r = 0; r < t->num_rows(); ++r) {
      const double m_top = Mass(*t, r, {"p1"});
      const double m_antitop = Mass(*t, r, {"p2"});
      EXPECT_NEAR(m_top, 173.0, 0.05);
      EXPECT_NEAR(m_antitop, 173.0, 0.05);
      EXPECT_FLOAT_EQ(t->at(r, *t->ColumnIndex("p1_m_gev")), 173.f);
      mass_sum += m_top;
      EXPECT_GT(t->weight(r), 0.f);
      EXPECT_EQ(t->weight(r), t->weight(0));  // unweighted: all weights equal
    }
    EXPECT_NEAR(mass_sum / 10000, 173.0, 0.01);
    // XWGTUP equals the cross section for these unweighted MG5 files.
    ASSERT_EQ(info.cross_sections_pb.size(), 1u);
    EXPECT_NEAR(t->weight(0), info.cross_sections_pb[0], 1e-3 * info.cross_sections_pb[0]);
  }
}

TEST_F(LheRealFileTest, MadGraphGgTtFirstEventMatchesTheFile) {
  EVGEN_READ_OR_SKIP(t, Read("mg5-ttbar-lhe/gg_tt_events.lhe.gz", Tops()));
  EXPECT_FLOAT_EQ(t->at(0, *t->ColumnIndex("p1_px_gev")), -25.264209343f);
  EXPECT_FLOAT_EQ(t->at(0, *t->ColumnIndex("p1_e_gev")), 179.04631147f);
  EXPECT_FLOAT_EQ(t->at(0, *t->ColumnIndex("p2_pz_gev")), -220.70736959f);
  EXPECT_FLOAT_EQ(t->weight(0), 440.675f);
}

TEST_F(LheRealFileTest, PythiaTevatronTtbarDecayChain) {
  // Status-2 tops, then the final state: b, bbar and the four W daughters.
  ParticleSelection tops = Tops();
  tops.statuses = {2};
  tops.include_mass = true;
  LheFileInfo info;
  EVGEN_READ_OR_SKIP(t, Read("pythia8-example-lhe/ttbar.lhe", tops, &info));
  EXPECT_EQ(t->num_rows(), 100);
  EXPECT_EQ(info.beam2_pdg_id, -2212);
  EXPECT_DOUBLE_EQ(info.beam1_energy_gev, 980);
  EXPECT_EQ(info.cross_sections_pb.size(), 2u);
  EXPECT_FLOAT_EQ(t->at(0, *t->ColumnIndex("p1_e_gev")), 212.41781824f);
  EXPECT_FLOAT_EQ(t->at(0, *t->ColumnIndex("p2_m_gev")), 161.16559038f);
  double mean = 0;
  for (int64_t r = 0; r < 100; ++r) mean += t->at(r, *t->ColumnIndex("p1_m_gev")) / 100;
  EXPECT_NEAR(mean, 174, 3);  // Breit-Wigner tops around PYTHIA 6's m_t

  // PYTHIA decays some tops to W s (event 38: t -> W+ s): without
  // skip_incomplete that event is an error naming it, with it a skipped count.
  ParticleSelection bs;
  bs.pdg_ids = {5, -5};
  absl::StatusOr<Table> strict = Read("pythia8-example-lhe/ttbar.lhe", bs);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("ttbar.lhe:602: event 38: no particle with PDG id 5"),
            std::string::npos)
      << strict.status();
  bs.skip_incomplete = true;
  LheFileInfo b_info;
  EVGEN_READ_OR_SKIP(b, Read("pythia8-example-lhe/ttbar.lhe", bs, &b_info));
  EXPECT_EQ(b->num_rows() + b_info.events_skipped, 100);
  EXPECT_GE(b->num_rows(), 90);
  EXPECT_FLOAT_EQ(b->at(0, *b->ColumnIndex("p2_py_gev")), -43.792371846f);

  ParticleSelection final_state;  // all six status-1 partons and leptons
  final_state.include_pdg_id = true;
  EVGEN_READ_OR_SKIP(all, Read("pythia8-example-lhe/ttbar.lhe", final_state));
  EXPECT_EQ(all->num_rows(), 100);
  EXPECT_EQ(all->num_columns(), 6 * 5);
  EXPECT_EQ(all->at(0, *all->ColumnIndex("p5_pdg_id")), 13.f);
  // The six final-state momenta add up to the ttbar system.
  for (int64_t r = 0; r < 100; ++r) {
    const double m_tt = Mass(*t, r, {"p1", "p2"});
    EXPECT_NEAR(Mass(*all, r, {"p1", "p2", "p3", "p4", "p5", "p6"}), m_tt, 1e-3 * m_tt);
  }
}

TEST_F(LheRealFileTest, PowhegHvqTops) {
  ParticleSelection s = Tops();
  s.include_mass = true;
  EVGEN_READ_OR_SKIP(t, Read("pythia8-example-lhe/powheg-hvq.lhe", s));
  EXPECT_EQ(t->num_rows(), 100);
  for (int64_t r = 0; r < 100; ++r) {
    EXPECT_FLOAT_EQ(t->at(r, *t->ColumnIndex("p1_m_gev")), 171.f);
    EXPECT_NEAR(Mass(*t, r, {"p2"}), 171.0, 0.05);
  }
}

TEST_F(LheRealFileTest, MadGraphDrellYanLeptonPairs) {
  int64_t rows = 0;
  for (int lepton : {11, 13}) {
    ParticleSelection s;
    s.pdg_ids = {lepton, -lepton};
    s.skip_incomplete = true;
    LheFileInfo info;
    EVGEN_READ_OR_SKIP(t, Read("pythia8-example-lhe/zProduction_Mlm_012.lhe.gz", s, &info));
    EXPECT_EQ(info.events_in_file, 10000);
    EXPECT_EQ(t->num_rows() + info.events_skipped, 10000);
    EXPECT_GT(t->num_rows(), 1000);
    for (int64_t r = 0; r < t->num_rows(); ++r) {
      EXPECT_GT(Mass(*t, r, {"p1", "p2"}), 29.9);  // the m_ll > 30 GeV generator cut
    }
    rows += t->num_rows();
  }
  EXPECT_LE(rows, 10000);
}

// XwgtupFields returns the XWGTUP text of every event in an LHE file.
std::vector<std::string> XwgtupFields(const std::string& path) {
  absl::StatusOr<std::string> text = ReadPossiblyGzippedFile(path);
  std::vector<std::string> out;
  if (!text.ok()) return out;
  size_t at = 0;
  while ((at = text->find("<event", at)) != std::string::npos) {
    at = text->find('\n', at) + 1;
    char nup[32], idprup[32], xwgtup[64];
    if (std::sscanf(text->c_str() + at, "%31s %31s %63s", nup, idprup, xwgtup) == 3) out.push_back(xwgtup);
  }
  return out;
}

int IdwtupOf(const std::string& path) {
  LheFileInfo info;
  ParticleSelection all;
  all.layout = ParticleLayout::kPadded;
  return ReadLhe(path, all, &info).ok() ? info.weighting_strategy : 0;
}

// Real files read and written back keep every event weight (as float32) and,
// with the read's write_options, the file's IDWTUP; weights printed with at
// most 6 significant digits keep their digits.
TEST_F(LheRealFileTest, WeightsAndIdwtupSurviveAReadAndAWrite) {
  struct Case {
    const char* file;
    int idwtup;
  };
  for (const Case& c : {Case{"pythia8-example-lhe/ttbar.lhe", 3}, Case{"pythia8-example-lhe/powheg-hvq.lhe", 3},
                        Case{"pythia8-example-lhe/zProduction_Mlm_012.lhe.gz", 3},
                        Case{"mg5-ttbar-lhe/gg_tt_events.lhe.gz", -4},
                        Case{"mg5-ttbar-lhe/pp_ttx_13TeV_unweighted_events.lhe.gz", -4}}) {
    SCOPED_TRACE(c.file);
    const std::string path = SharedData(c.file);
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path;
    ReadReport report;
    absl::StatusOr<Table> t = ReadLheWithOptions(path, {{"layout", "padded"}, {"include_pdg_id", "1"}}, &report);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(report.write_options.at("idwtup"), std::to_string(c.idwtup));
    // The padded table's slots p1..pN become the written particles (the
    // writer refuses a table with the count column, as its padding would be
    // written as particles; here only the weights matter); the PDG ids
    // written do not matter either (photons: no colour lines to balance).
    std::vector<std::string> slots(t->columns().begin() + 1, t->columns().end());
    ASSERT_EQ(t->columns()[0], "n_particles");
    absl::StatusOr<Table> without_count = t->SelectColumns(slots);
    ASSERT_TRUE(without_count.ok());
    t = std::move(without_count);
    std::map<std::string, std::string> options = report.write_options;
    std::string ids;
    for (int i = 0; i < t->num_columns() / 5; ++i) ids += i == 0 ? "22" : ",22";
    options["pdg_ids"] = ids;
    options["incoming_pdg_ids"] = "none";
    absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(*t, options);
    ASSERT_TRUE(spec.ok()) << spec.status();
    const std::string out = TempPath("weights-back.lhe");
    ASSERT_TRUE(WriteLhe(out, *t, *spec).ok());
    EXPECT_EQ(IdwtupOf(out), c.idwtup);
    ParticleSelection all;
    all.layout = ParticleLayout::kPadded;
    absl::StatusOr<Table> back = ReadLhe(out, all);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->weights(), t->weights());
    const std::vector<std::string> before = XwgtupFields(path), after = XwgtupFields(out);
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) {
      // Same number, same significant digits (the spelling may differ: 0.3751300E+00 -> 3.7513e-01).
      EXPECT_EQ(std::stod(before[i]), std::stod(after[i])) << "event " << i + 1;
    }
  }
}

TEST(LheTest, IdwtupIsChosenFromTheWeightsOrCheckedAgainstThem) {
  Table t = SixQuarks(4, false);
  const std::string path = TempPath("idwtup.lhe");
  auto write = [&](const std::vector<float>& w, const std::string& idwtup) {
    Table copy = t;
    EXPECT_TRUE(copy.SetWeights(w).ok());
    std::map<std::string, std::string> options;
    if (!idwtup.empty()) options["idwtup"] = idwtup;
    absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(copy, options);
    if (!spec.ok()) return spec.status();
    return WriteLhe(path, copy, *spec);
  };
  ASSERT_TRUE(write({2, 2, 2, 2}, "").ok());
  EXPECT_EQ(IdwtupOf(path), 3);
  ASSERT_TRUE(write({2, -2, 2, 2}, "").ok());
  EXPECT_EQ(IdwtupOf(path), -3);
  ASSERT_TRUE(write({1, 2, 3, 4}, "").ok());
  EXPECT_EQ(IdwtupOf(path), 4);
  ASSERT_TRUE(write({1, -2, 3, 4}, "").ok());
  EXPECT_EQ(IdwtupOf(path), -4);
  ASSERT_TRUE(write({2, 2, 2, 2}, "-4").ok());
  EXPECT_EQ(IdwtupOf(path), -4);
  absl::Status s = write({1, 2, 3, 4}, "3");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("idwtup 3 means unweighted events"), std::string::npos) << s;
  EXPECT_NE(s.message().find("row 2 has weight 2"), std::string::npos) << s;
  s = write({1, -2, 3, 4}, "4");
  EXPECT_NE(s.message().find("row 2 has weight -2 (use idwtup -4)"), std::string::npos) << s;
  s = write({1, 1, 1, 1}, "5");
  EXPECT_NE(s.message().find("option idwtup: '5' is not one of -4..-1, 1..4"), std::string::npos) << s;
}

TEST(LheTest, WeightsKeepTheirShortestDigits) {
  Table t = SixQuarks(3, false);
  ASSERT_TRUE(t.SetWeights({0.37513f, 440.675f, -1.5e-7f}).ok());
  const std::string path = TempPath("digits.lhe");
  ASSERT_TRUE(WriteLhe(path, t, *ParseEventWriteSpec(t, {})).ok());
  EXPECT_EQ(XwgtupFields(path), (std::vector<std::string>{"3.7513e-01", "4.40675e+02", "-1.5e-07"}));
  absl::StatusOr<Table> back = ReadLhe(path, AllhadSelection());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->weights(), t.weights());
}

}  // namespace
}  // namespace evgen
