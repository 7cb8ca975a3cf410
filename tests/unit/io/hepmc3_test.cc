#include "core/io/hepmc3.h"
#include "core/io/hepmc3_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "core/io/atomic_file.h"
#include "HepMC3/GenEvent.h"
#include "HepMC3/GenParticle.h"
#include "HepMC3/GenVertex.h"
#include "HepMC3/WriterAscii.h"

namespace evgen {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) + "-" + name;
}

// Dimuons: two muons and a photon per event, E from the muon mass.
Table Dimuons(int rows) {
  std::vector<std::string> columns;
  for (const char* p : {"mu1", "mu2", "gamma"}) {
    for (const char* s : {"_e_gev", "_px_gev", "_py_gev", "_pz_gev"}) {
      columns.push_back(std::string(p) + s);
    }
  }
  Table t(columns);
  std::mt19937 rng(11);
  std::normal_distribution<float> p(0.f, 40.f);
  std::vector<float> weights;
  for (int r = 0; r < rows; ++r) {
    std::vector<float> row;
    for (int i = 0; i < 3; ++i) {
      const float m = i < 2 ? 0.105658f : 0.f;
      float x = p(rng), y = p(rng), z = 2 * p(rng);
      row.push_back(std::sqrt(x * x + y * y + z * z + m * m));
      row.push_back(x);
      row.push_back(y);
      row.push_back(z);
    }
    t.AppendRow(row.data());
    weights.push_back(1.f + 0.25f * static_cast<float>(r % 5));
  }
  EXPECT_TRUE(t.SetWeights(weights).ok());
  return t;
}

ParticleSelection DimuonSelection() {
  ParticleSelection s;
  s.pdg_ids = {13, -13, 22};
  s.slot_names = {"mu1", "mu2", "gamma"};
  return s;
}

std::string WrittenFile(const std::string& name, int rows = 50) {
  const Table t = Dimuons(rows);
  absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(t, {{"pdg_ids", "13,-13,22"}});
  EXPECT_TRUE(spec.ok()) << spec.status();
  const std::string path = TempPath(name);
  absl::Status s = WriteHepMC3(path, t, *spec);
  EXPECT_TRUE(s.ok()) << s;
  return path;
}

TEST(HepMC3Test, RoundTripGivesTheSameTable) {
  const Table t = Dimuons(50);
  const std::string path = WrittenFile("round.hepmc");
  HepMCFileInfo info;
  absl::StatusOr<Table> back = ReadHepMC(path, DimuonSelection(), &info);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(info.format, HepMCFormat::kAsciiV3);
  EXPECT_EQ(info.events_in_file, 50);
  EXPECT_EQ(back->columns(), t.columns());
  EXPECT_EQ(back->values(), t.values());
  EXPECT_EQ(back->weights(), t.weights());
}

// Weights of any size and sign, including ones no short decimal spells,
// come back bit for bit (the writer prints 16 significant digits).
TEST(HepMC3Test, AwkwardWeightsRoundTripExactly) {
  Table t = Dimuons(5);
  ASSERT_TRUE(t.SetWeights({0.37513f, -1.5e-7f, 3.0e38f, 1.f / 3.f, -440.675f}).ok());
  absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(t, {{"pdg_ids", "13,-13,22"}});
  ASSERT_TRUE(spec.ok()) << spec.status();
  const std::string path = TempPath("weights.hepmc");
  ASSERT_TRUE(WriteHepMC3(path, t, *spec).ok());
  ReadReport report;
  absl::StatusOr<Table> back = ReadHepMCWithOptions(
      path, {{"pdg_ids", "13,-13,22"}, {"slot_names", "mu1,mu2,gamma"}}, &report);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->weights(), t.weights());
  EXPECT_EQ(report.events_kept, 5);
}

// A merged-like HepMC file (3 events of 3 particles, 3 of 2) reads whole padded
// and per particle, with the multiplicities in the report.
TEST(HepMC3Test, VariableMultiplicityReadsWholeInPaddedAndParticlesLayouts) {
  Table t = Dimuons(3);
  absl::StatusOr<EventWriteSpec> spec = ParseEventWriteSpec(t, {{"pdg_ids", "13,-13,22"}});
  ASSERT_TRUE(spec.ok());
  // Three events of 3 final-state particles, then three of 2: a table
  // without the photon.
  Table muons = *t.SelectColumns({"mu1_e_gev", "mu1_px_gev", "mu1_py_gev", "mu1_pz_gev",
                                  "mu2_e_gev", "mu2_px_gev", "mu2_py_gev", "mu2_pz_gev"});
  const std::string path3 = TempPath("three.hepmc"), path2 = TempPath("twomu.hepmc");
  ASSERT_TRUE(WriteHepMC3(path3, t, *spec).ok());
  ASSERT_TRUE(WriteHepMC3(path2, muons, *ParseEventWriteSpec(muons, {{"pdg_ids", "13,-13"}})).ok());
  // Splice: the events of path2 after those of path3.
  std::string a = *ReadFileToString(path3), b = *ReadFileToString(path2);
  const std::string end = "HepMC::Asciiv3-END_EVENT_LISTING";
  std::string events_b = b.substr(b.find("\nE "), b.find(end) - b.find("\nE "));
  a.insert(a.find(end) - 1, events_b);
  const std::string merged = TempPath("merged.hepmc");
  ASSERT_TRUE(WriteFileAtomically(merged, a).ok());
  EXPECT_FALSE(ReadHepMCWithOptions(merged, {}).ok());
  ReadReport report;
  absl::StatusOr<Table> padded = ReadHepMCWithOptions(merged, {{"layout", "padded"}}, &report);
  ASSERT_TRUE(padded.ok()) << padded.status();
  EXPECT_EQ(padded->num_rows(), 6);
  EXPECT_EQ(padded->Column(0), (std::vector<float>{3, 3, 3, 2, 2, 2}));
  EXPECT_EQ(report.events_per_multiplicity, (std::map<int64_t, int64_t>{{2, 3}, {3, 3}}));
  absl::StatusOr<Table> particles = ReadHepMCWithOptions(merged, {{"layout", "particles"}}, &report);
  ASSERT_TRUE(particles.ok()) << particles.status();
  EXPECT_EQ(particles->num_rows(), 15);
  EXPECT_EQ(report.events_kept, 6);
}

TEST(HepMC3Test, ReadsAllFinalStateParticlesAndOptionsFromAMap) {
  const std::string path = WrittenFile("all.hepmc", 5);
  absl::StatusOr<Table> all = ReadHepMCWithOptions(path, {{"include_pdg_id", "true"}, {"include_mass", "1"}});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->num_columns(), 3 * 6);  // the status-4 beams are not final state
  EXPECT_EQ(all->at(0, *all->ColumnIndex("p2_pdg_id")), -13.f);
  EXPECT_NEAR(all->at(0, *all->ColumnIndex("p1_m_gev")), 0.105658, 1e-3);

  absl::StatusOr<Table> beams = ReadHepMCWithOptions(path, {{"pdg_ids", "2212,2212"}, {"statuses", "4"}});
  ASSERT_TRUE(beams.ok()) << beams.status();
  EXPECT_EQ(beams->at(0, *beams->ColumnIndex("p1_pz_gev")), 6500.f);
  EXPECT_EQ(beams->at(0, *beams->ColumnIndex("p2_pz_gev")), -6500.f);

  absl::StatusOr<Table> bad = ReadHepMCWithOptions(path, {{"pdgs", "13"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown option 'pdgs'"), std::string::npos);
}

// A decay chain as libHepMC3 writes it (Pythia's HepMC3 output looks the
// same): g g -> t tbar at a V line, then t -> b W+, W+ -> u dbar in vertices
// with one incoming particle and no attributes, which WriterAscii leaves out:
// their particles name the parent particle (a positive id), and the E line
// still counts them. Such files were refused ("1 vertex lines, the E line
// says 5").
TEST(HepMC3Test, DecayVerticesWithoutVLinesAreRead) {
  const std::string path = TempPath("decays.hepmc3");
  {
    auto run = std::make_shared<HepMC3::GenRunInfo>();
    HepMC3::WriterAscii writer(path, run);
    for (int n = 1; n <= 3; ++n) {
      HepMC3::GenEvent event(run, HepMC3::Units::GEV, HepMC3::Units::MM);
      event.set_event_number(n);
      auto particle = [](double px, double py, double pz, double e, int pdg, int status) {
        return std::make_shared<HepMC3::GenParticle>(HepMC3::FourVector(px, py, pz, e), pdg, status);
      };
      auto hard = std::make_shared<HepMC3::GenVertex>();
      hard->add_particle_in(particle(0, 0, 300, 300, 21, 4));
      hard->add_particle_in(particle(0, 0, -300, 300, 21, 4));
      auto top = particle(10.0 * n, 0, 50, 270, 6, 2);
      hard->add_particle_out(top);
      hard->add_particle_out(particle(-10.0 * n, 0, -50, 270, -6, 1));
      event.add_vertex(hard);
      auto t_decay = std::make_shared<HepMC3::GenVertex>();
      t_decay->add_particle_in(top);
      auto w = particle(5.0 * n, 20, 30, 150, 24, 2);
      t_decay->add_particle_out(w);
      t_decay->add_particle_out(particle(5.0 * n, -20, 20, 120, 5, 1));
      event.add_vertex(t_decay);
      auto w_decay = std::make_shared<HepMC3::GenVertex>();
      w_decay->add_particle_in(w);
      w_decay->add_particle_out(particle(2.0 * n, 30, 10, 80, 2, 1));
      w_decay->add_particle_out(particle(3.0 * n, -10, 20, 70, -1, 1));
      event.add_vertex(w_decay);
      writer.write_event(event);
    }
    writer.close();
  }
  absl::StatusOr<std::string> text = ReadFileToString(path);
  ASSERT_TRUE(text.ok());
  ASSERT_EQ(text->find("\nV -2"), std::string::npos) << "libHepMC3 wrote the decay vertices after all:\n" << *text;

  absl::StatusOr<Table> table = ReadHepMCWithOptions(path, {{"pdg_ids", "5,2,-1"}});
  ASSERT_TRUE(table.ok()) << table.status() << "\n" << *text;
  ASSERT_EQ(table->num_rows(), 3);
  EXPECT_EQ(table->at(2, *table->ColumnIndex("p1_px_gev")), 15.f);
  EXPECT_EQ(table->at(1, *table->ColumnIndex("p2_px_gev")), 4.f);
  absl::StatusOr<Table> tops = ReadHepMCWithOptions(path, {{"pdg_ids", "6"}, {"statuses", "2"}});
  ASSERT_TRUE(tops.ok()) << tops.status();
  EXPECT_EQ(tops->at(0, *tops->ColumnIndex("p1_e_gev")), 270.f);

  // A parent that is not listed before its daughter is refused, naming it.
  std::string bad = *text;
  const size_t daughter = bad.find("\nP 5 3 ");
  ASSERT_NE(daughter, std::string::npos) << bad;
  bad.replace(daughter, 7, "\nP 5 7 ");
  ASSERT_TRUE(WriteFileAtomically(path, bad).ok());
  absl::Status refused = ReadHepMCWithOptions(path, {{"pdg_ids", "5,2,-1"}}).status();
  EXPECT_NE(refused.message().find("P line: parent particle 7 is not among the 4 particles listed before it"),
            std::string::npos) << refused;
}

// A two-event HepMC2 IO_GenEvent listing written by hand: beams into one
// vertex, out of it mu-, mu+ and a photon (event 2 in MeV).
const char kHepMC2[] =
    "HepMC::Version 2.06.09\n"
    "HepMC::IO_GenEvent-START_EVENT_LISTING\n"
    "E 1 0 -1.0e+00 -1.0e+00 -1.0e+00 0 -1 1 1 2 0 1 2.5e+00\n"
    "N 1 \"0\"\n"
    "U GEV MM\n"
    "C 1.5e+02 1.0e+00\n"
    "V -1 0 0 0 0 0 2 3 0\n"
    "P 1 2212 0 0 6.5e+03 6.5e+03 9.38e-01 4 0 0 -1 0\n"
    "P 2 2212 0 0 -6.5e+03 6.5e+03 9.38e-01 4 0 0 -1 0\n"
    "P 3 13 10 20 30 3.8e+01 1.05e-01 1 0 0 0 0\n"
    "P 4 -13 -10 -20 -30 3.8e+01 1.05e-01 1 0 0 0 0\n"
    "P 5 22 0 0 5 5 0 1 0 0 0 0\n"
    "E 2 0 -1.0e+00 -1.0e+00 -1.0e+00 0 -1 1 6 7 0 1 0.5e+00\n"
    "U MEV MM\n"
    "V -1 0 0 0 0 0 2 3 0\n"
    "P 6 2212 0 0 6.5e+06 6.5e+06 9.38e+02 4 0 0 -1 0\n"
    "P 7 2212 0 0 -6.5e+06 6.5e+06 9.38e+02 4 0 0 -1 0\n"
    "P 8 -13 1000 2000 3000 3.8e+03 1.05e+02 1 0 0 0 0\n"
    "P 9 13 -1000 -2000 -3000 3.8e+03 1.05e+02 1 0 0 0 0\n"
    "P 10 22 0 0 -5000 5000 0 1 0 0 0 0\n"
    "HepMC::IO_GenEvent-END_EVENT_LISTING\n";

TEST(HepMC3Test, RecognisesAndReadsHepMC2IoGenEvent) {
  const std::string path = TempPath("hand.hepmc2");
  ASSERT_TRUE(WriteFileAtomically(path, kHepMC2).ok());
  HepMCFileInfo info;
  absl::StatusOr<Table> t = ReadHepMC(path, DimuonSelection(), &info);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(info.format, HepMCFormat::kIoGenEvent);
  ASSERT_EQ(t->num_rows(), 2);
  EXPECT_EQ(t->at(0, *t->ColumnIndex("mu1_px_gev")), 10.f);
  EXPECT_EQ(t->at(0, *t->ColumnIndex("gamma_pz_gev")), 5.f);
  EXPECT_EQ(t->weight(0), 2.5f);
  // Event 2 is in MeV: converted to GeV, and mu- is the second listed muon.
  EXPECT_FLOAT_EQ(t->at(1, *t->ColumnIndex("mu1_px_gev")), -1.f);
  EXPECT_FLOAT_EQ(t->at(1, *t->ColumnIndex("mu2_e_gev")), 3.8f);
  EXPECT_FLOAT_EQ(t->at(1, *t->ColumnIndex("gamma_pz_gev")), -5.f);
  EXPECT_EQ(t->weight(1), 0.5f);
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TEST(HepMC3Test, RejectsBadInputWithPreciseMessages) {
  absl::StatusOr<std::string> v3 = ReadFileToString(WrittenFile("bad-source.hepmc", 3));
  ASSERT_TRUE(v3.ok());
  // The first particle line of the written file, to damage.
  const size_t p = v3->find("\nP 3 ");
  ASSERT_NE(p, std::string::npos);
  const std::string p_line = v3->substr(p + 1, v3->find('\n', p + 1) - p - 1);
  std::string p_fields = p_line.substr(0, p_line.rfind(' '));  // without the status

  struct Case {
    std::string name;
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"empty", "", "empty file"},
      {"garbage", "hello world\n1 2 3\n", ":1: not a HepMC ASCII file"},
      {"gzip-garbage", std::string("\x1f\x8b\x08\x00garbage", 12),
       "truncated or corrupt gzip stream after 0 bytes: unexpected end of file"},
      {"binary", std::string("\x00\x01\x02garbage", 10), ":1: not a HepMC ASCII file"},
      {"truncated", v3->substr(0, v3->size() * 2 / 3), "truncated"},
      {"truncated-at-event", v3->substr(0, v3->rfind("E 3 ")), "truncated: no 'HepMC::Asciiv3-END"},
      {"non-numeric", Replace(*v3, p_line, p_fields + " x1"), "P line field 9: 'x1' is not a number"},
      {"short-line", Replace(*v3, p_line, p_fields), "P line has 8 fields, expected 9"},
      {"count", Replace(*v3, "E 1 1 5", "E 1 1 6"), "event 1: 5 particle lines, the E line says 6"},
      {"no-events",
       "HepMC::Version 3.01.02\nHepMC::Asciiv3-START_EVENT_LISTING\n"
       "HepMC::Asciiv3-END_EVENT_LISTING\n",
       "no events"},
      {"v2-truncated", std::string(kHepMC2).substr(0, std::string(kHepMC2).find("P 9 ")),
       "truncated: no 'HepMC::IO_GenEvent-END_EVENT_LISTING'"},
      {"v2-non-numeric", Replace(kHepMC2, "P 4 -13 -10", "P 4 -13 ten"),
       ":11: P line field 3: 'ten' is not a number"},
      {"v2-vertex", Replace(kHepMC2, "E 1 0 -1.0e+00 -1.0e+00 -1.0e+00 0 -1 1 ",
                            "E 1 0 -1.0e+00 -1.0e+00 -1.0e+00 0 -1 2 "),
       "event 1: 1 vertex lines, the E line says 2"},
      {"v2-short-vertex", Replace(kHepMC2, "P 5 22 0 0 5 5 0 1 0 0 0 0\n", ""),
       ":7: event 1: vertex has 4 particle lines, its V line says 5"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = TempPath("bad-" + c.name + ".hepmc");
    ASSERT_TRUE(WriteFileAtomically(path, c.text).ok());
    absl::StatusOr<Table> t = ReadHepMC(path, DimuonSelection());
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find(path), std::string::npos) << t.status();
    EXPECT_NE(t.status().message().find(c.expected), std::string::npos)
        << "got: " << t.status().message() << "\nwant: " << c.expected;
  }
  EXPECT_EQ(ReadHepMC(TempPath("missing.hepmc"), DimuonSelection()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(HepMC3Test, MissingSelectedParticleNamesTheEvent) {
  const std::string path = TempPath("hand2.hepmc2");
  ASSERT_TRUE(WriteFileAtomically(path, kHepMC2).ok());
  ParticleSelection s;
  s.pdg_ids = {13, 13};
  absl::StatusOr<Table> t = ReadHepMC(path, s);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find(path + ":3: event 1: no particle with PDG id 13"),
            std::string::npos)
      << t.status();
}

TEST(HepMC3Test, WriterRejectsEmptyTablesAndLeavesNoFile) {
  const Table t = Dimuons(1);
  const std::string path = TempPath("empty.hepmc");
  absl::Status s = WriteHepMC3(path, Table(t.columns()), *ParseEventWriteSpec(t, {{"pdg_ids", "13,-13,22"}}));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("no rows"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace evgen
