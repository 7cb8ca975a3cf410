#include "core/io/jetnet.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/io/atomic_file.h"
#include "core/io/hdf5_table.h"
#include "core/io/jetnet_writer.h"
#include "core/io/table_file.h"
#include "tests/unit/address_sanitizer.h"

namespace evgen {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) + "-" + name;
}

// Clouds builds a long jet-cloud table: jets of the given multiplicities with
// massless constituents (log_e consistent with eta = jet_eta + eta_rel).
Table Clouds(const std::vector<int>& sizes) {
  Table t(JetNetLongColumns());
  for (size_t j = 0; j < sizes.size(); ++j) {
    const float jet_pt = 800.f + 100.f * j, jet_eta = 0.3f * j - 0.5f;
    const float is_top = j % 2 == 0 ? 1.f : 0.f;
    for (int c = 0; c < sizes[j]; ++c) {
      const float pt = jet_pt * 0.4f / (1.f + c);
      const float eta_rel = 0.01f * c - 0.05f, phi_rel = -0.02f * c + 0.1f;
      const float log_pt = std::log(pt);
      const float log_e = static_cast<float>(std::log(pt) + std::log(std::cosh(jet_eta + eta_rel)));
      t.AppendRow({static_cast<float>(j), static_cast<float>(c), log_pt, log_e, eta_rel, phi_rel,
                   jet_pt, jet_eta, 170.f + j, static_cast<float>(sizes[j]), is_top});
    }
  }
  return t;
}

void ExpectTablesNear(const Table& a, const Table& b) {
  ASSERT_EQ(a.columns(), b.columns());
  ASSERT_EQ(a.num_rows(), b.num_rows());
  for (int64_t r = 0; r < a.num_rows(); ++r) {
    for (int c = 0; c < a.num_columns(); ++c) {
      EXPECT_NEAR(a.at(r, c), b.at(r, c), 2e-6 * std::max(1.f, std::abs(a.at(r, c))))
          << "row " << r << " column " << a.columns()[c];
    }
  }
}

TEST(JetNetTest, RoundTripGivesTheSameLongTable) {
  const Table t = Clouds({3, 7, 1, 30});
  for (int max_particles : {100, 0, 30}) {
    const std::string path = TempPath("round.hdf5");
    JetNetWriteOptions options;
    options.max_particles = max_particles;
    absl::Status s = WriteJetNet(path, t, options);
    ASSERT_TRUE(s.ok()) << s;
    absl::StatusOr<Table> back = ReadJetNet(path);
    ASSERT_TRUE(back.ok()) << back.status();
    ExpectTablesNear(t, *back);
  }
}

TEST(JetNetTest, WritesTheJetNetLayout) {
  const Table t = Clouds({3, 5});
  const std::string path = TempPath("layout.hdf5");
  ASSERT_TRUE(WriteJetNet(path, t).ok());
  absl::StatusOr<Hdf5File> file = Hdf5File::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  absl::StatusOr<Hdf5Array> particles = file->Read("particle_features");
  ASSERT_TRUE(particles.ok()) << particles.status();
  EXPECT_EQ(particles->shape, (std::vector<int64_t>{2, 100, 4}));
  // Jet 1, particle 0: (eta_rel, phi_rel, pt_rel = pT / jet pT, mask 1).
  const float* p = &particles->values[(1 * 100 + 0) * 4];
  EXPECT_FLOAT_EQ(p[0], -0.05f);
  EXPECT_FLOAT_EQ(p[1], 0.1f);
  EXPECT_NEAR(p[2], 0.4f, 1e-6);
  EXPECT_EQ(p[3], 1.f);
  // Jet 1, particle 5 is padding: all zero.
  for (int f = 0; f < 4; ++f) EXPECT_EQ(particles->values[(1 * 100 + 5) * 4 + f], 0.f);
  absl::StatusOr<Hdf5Array> jets = file->Read("jet_features");
  ASSERT_TRUE(jets.ok()) << jets.status();
  EXPECT_EQ(jets->shape, (std::vector<int64_t>{2, 4}));
  const std::vector<float> expected = {800.f, -0.5f, 170.f, 3.f, 900.f, -0.2f, 171.f, 5.f};
  ASSERT_EQ(jets->values.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_FLOAT_EQ(jets->values[i], expected[i]);
}

TEST(JetNetTest, ReadsPlainJetNetFilesWithMasslessEnergiesAndTheIsTopOption) {
  // Only JetNet's own two datasets, as in the Zenodo files.
  const Table t = Clouds({4, 2});
  const std::string full = TempPath("full.hdf5");
  ASSERT_TRUE(WriteJetNet(full, t).ok());
  absl::StatusOr<Hdf5File> file = Hdf5File::Open(full);
  ASSERT_TRUE(file.ok());
  absl::StatusOr<Hdf5Array> particles = file->Read("particle_features");
  absl::StatusOr<Hdf5Array> jets = file->Read("jet_features");
  ASSERT_TRUE(particles.ok() && jets.ok());
  const std::string plain = TempPath("plain.hdf5");
  ASSERT_TRUE(WriteHdf5Arrays(plain, {*particles, *jets}).ok());
  absl::StatusOr<Table> back = ReadJetNetWithOptions(plain, {{"is_top", "1"}});
  ASSERT_TRUE(back.ok()) << back.status();
  Table expected = t;
  const int is_top = *expected.ColumnIndex("is_top");
  for (int64_t r = 0; r < expected.num_rows(); ++r) expected.at(r, is_top) = 1.f;
  ExpectTablesNear(expected, *back);
  EXPECT_FALSE(ReadJetNetWithOptions(plain, {{"is_top", "yes"}}).ok());
  absl::StatusOr<Table> bad = ReadJetNetWithOptions(plain, {{"top", "1"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown option 'top'"), std::string::npos);
}

void ExpectReadError(const std::vector<Hdf5Array>& arrays, const std::string& expected) {
  const std::string path = TempPath("bad.hdf5");
  ASSERT_TRUE(WriteHdf5Arrays(path, arrays).ok());
  absl::StatusOr<Table> t = ReadJetNet(path);
  ASSERT_FALSE(t.ok()) << expected;
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find(path + ": "), std::string::npos) << t.status();
  EXPECT_NE(t.status().message().find(expected), std::string::npos)
      << "got: " << t.status().message() << "\nwant: " << expected;
}

TEST(JetNetTest, ReaderRejectsBadFilesWithPreciseMessages) {
  // One jet, two particle slots.
  const Hdf5Array jets{"jet_features", {1, 4}, {900, 0.1f, 170, 1}, {}};
  auto particles = [](std::vector<float> values) {
    return Hdf5Array{"particle_features", {1, 2, 4}, std::move(values), {}};
  };
  const std::vector<float> good = {0.1f, 0.2f, 0.5f, 1, 0, 0, 0, 0};
  ExpectReadError({jets}, "no dataset 'particle_features'");
  ExpectReadError({particles(good)}, "no dataset 'jet_features'");
  ExpectReadError({Hdf5Array{"particle_features", {1, 2, 3}, {1, 2, 3, 4, 5, 6}, {}}, jets},
                  "dataset 'particle_features' has shape [1, 2, 3], expected [N, P, 4]");
  ExpectReadError({Hdf5Array{"particle_features", {2, 4}, good, {}}, jets},
                  "has shape [2, 4], expected [N, P, 4]");
  ExpectReadError({particles(good), Hdf5Array{"jet_features", {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}, {}}},
                  "dataset 'jet_features' has shape [2, 4], expected [1, 4]");
  ExpectReadError({Hdf5Array{"particle_features", {0, 2, 4}, {}, {}}, jets},
                  "dataset 'particle_features' is empty (shape [0, 2, 4])");
  ExpectReadError({particles({0.1f, 0.2f, 0.5f, 0.5f, 0, 0, 0, 0}), jets},
                  "jet 0 particle 0 has mask 0.5, expected 0 or 1");
  ExpectReadError({particles({0, 0, 0, 0, 0, 0, 0, 0}), jets}, "jet 0 has no particles");
  ExpectReadError({particles({0.1f, 0.2f, 0.f, 1, 0, 0, 0, 0}), jets},
                  "jet 0 particle 0 has pt_rel 0, expected > 0");
  ExpectReadError({particles(good), Hdf5Array{"jet_features", {1, 4}, {-5, 0.1f, 170, 1}, {}}},
                  "jet 0 has pt -5, expected > 0");
  ExpectReadError({particles(good), jets, Hdf5Array{"particle_log_e", {1, 3}, {1, 2, 3}, {}}},
                  "dataset 'particle_log_e' has shape [1, 3], expected [1, 2]");
  ExpectReadError({particles(good), jets, Hdf5Array{"particle_log_pt", {2, 2}, {1, 2, 3, 4}, {}}},
                  "dataset 'particle_log_pt' has shape [2, 2], expected [1, 2]");
  // A mask out of step with the data: a masked slot that holds a particle.
  ExpectReadError({particles({0.1f, 0.2f, 0.5f, 1, 0.3f, 0, 0.2f, 0}), jets},
                  "jet 0 particle 1 has mask 0 but values (0.3, 0, 0.2); padding must be all zero");

  const std::string text = TempPath("text.hdf5");
  ASSERT_TRUE(WriteFileAtomically(text, "not hdf5").ok());
  absl::StatusOr<Table> t = ReadJetNet(text);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("not an HDF5 file"), std::string::npos) << t.status();

  const std::string full = TempPath("full2.hdf5");
  ASSERT_TRUE(WriteJetNet(full, Clouds({5, 5, 5})).ok());
  absl::StatusOr<std::string> bytes = ReadFileToString(full);
  ASSERT_TRUE(bytes.ok());
  const std::string cut = TempPath("cut.hdf5");
  ASSERT_TRUE(WriteFileAtomically(cut, bytes->substr(0, bytes->size() / 2)).ok());
  t = ReadJetNet(cut);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("truncated or corrupt"), std::string::npos) << t.status();
}

TEST(JetNetTest, WriterRejectsTablesOutsideTheLongLayout) {
  const std::string path = TempPath("w.hdf5");
  auto expect = [&](const Table& t, const std::string& expected, int max_particles = 100) {
    JetNetWriteOptions options;
    options.max_particles = max_particles;
    absl::Status s = WriteJetNet(path, t, options);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << expected;
    EXPECT_NE(s.message().find(expected), std::string::npos)
        << "got: " << s.message() << "\nwant: " << expected;
    EXPECT_FALSE(std::filesystem::exists(path));
  };
  expect(Clouds({3, 40}), "jet 1 (row 3) has 40 constituents, more than max_particles=30", 30);
  expect(Table(JetNetLongColumns()), "no rows");
  Table missing({"jet", "constituent"});
  missing.AppendRow({0.f, 0.f});
  expect(missing, "lacks column 'log_pt'");
  Table no_phi({"jet", "constituent", "log_pt", "eta_rel", "n_constituents"});
  no_phi.AppendRow({0.f, 0.f, 5.f, 0.f, 1.f});
  expect(no_phi, "lacks column 'phi_rel' of the jet-cloud layout (required: jet, constituent, log_pt, "
                 "eta_rel, phi_rel, n_constituents");

  Table shuffled = Clouds({2, 2});
  const int constituent = *shuffled.ColumnIndex("constituent");
  std::swap(shuffled.at(0, constituent), shuffled.at(1, constituent));
  expect(shuffled, "row 0: jet 0 has constituent 1, expected 0");

  Table split = Clouds({2, 2, 2});
  const int jet = *split.ColumnIndex("jet");
  split.at(4, jet) = 0.f;
  split.at(5, jet) = 0.f;
  expect(split, "row 4: jet 0 appears again");

  Table count = Clouds({3});
  count.at(1, *count.ColumnIndex("n_constituents")) = 4.f;
  expect(count, "row 1: jet 0 says n_constituents 4 but has 3 rows");
  absl::StatusOr<JetNetWriteOptions> options = ParseJetNetWriteOptions({{"max_particles", "-1"}});
  EXPECT_FALSE(options.ok());
  options = ParseJetNetWriteOptions({{"max_particles", "150"}, {"is_top", "1"}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->max_particles, 150);
  EXPECT_EQ(options->is_top, 1.f);
  options = ParseJetNetWriteOptions({{"is_top", "2"}});
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.status().message().find("option is_top: '2' must be 0 or 1"), std::string::npos);
}

// SampledClouds is what a jet-cloud model samples: constituents only, no jet
// columns, no log_e, no is_top.
Table SampledClouds() {
  Table t({"jet", "constituent", "log_pt", "eta_rel", "phi_rel", "n_constituents"});
  const std::vector<std::vector<std::array<float, 3>>> jets = {
      {{6.0f, 0.05f, -0.1f}, {5.2f, -0.2f, 0.15f}, {4.1f, 0.3f, 0.3f}},
      {{6.5f, 0.f, 0.f}, {3.0f, 0.1f, -0.4f}}};
  for (size_t j = 0; j < jets.size(); ++j) {
    for (size_t c = 0; c < jets[j].size(); ++c) {
      t.AppendRow({static_cast<float>(j), static_cast<float>(c), jets[j][c][0], jets[j][c][1], jets[j][c][2],
                   static_cast<float>(jets[j].size())});
    }
  }
  return t;
}

TEST(JetNetTest, SampledJetsGetTheirJetFeaturesFromTheConstituentsAndRoundTripExactly) {
  const Table t = SampledClouds();
  EXPECT_TRUE(FitsJetNetLayout(t.columns()));
  const std::string path = TempPath("sampled.hdf5");
  JetNetWriteOptions options;
  options.is_top = 1.f;
  ASSERT_TRUE(WriteJetNet(path, t, options).ok());
  absl::StatusOr<Hdf5File> file = Hdf5File::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_FALSE(file->Has("particle_log_e")) << "the table has no log_e";
  absl::StatusOr<Hdf5Array> jets = file->Read("jet_features");
  ASSERT_TRUE(jets.ok()) << jets.status();
  // Jet 0 by hand: massless constituents summed.
  double e = 0, px = 0, py = 0, pz = 0;
  for (int r = 0; r < 3; ++r) {
    const double pt = std::exp(static_cast<double>(t.at(r, 2))), eta = t.at(r, 3), phi = t.at(r, 4);
    e += pt * std::cosh(eta);
    px += pt * std::cos(phi);
    py += pt * std::sin(phi);
    pz += pt * std::sinh(eta);
  }
  EXPECT_NEAR(jets->values[0], std::hypot(px, py), 1e-3);
  EXPECT_EQ(jets->values[1], 0.f);
  EXPECT_NEAR(jets->values[2], std::sqrt(e * e - px * px - py * py - pz * pz), 1e-3);
  EXPECT_EQ(jets->values[3], 3.f);

  absl::StatusOr<Table> back = ReadJetNet(path);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->num_rows(), t.num_rows());
  for (const std::string& column : t.columns()) {
    const int a = *t.ColumnIndex(column), b = *back->ColumnIndex(column);
    for (int64_t r = 0; r < t.num_rows(); ++r) {
      EXPECT_EQ(t.at(r, a), back->at(r, b)) << column << " row " << r << ": must come back exactly";
    }
  }
  const int is_top = *back->ColumnIndex("is_top");
  for (int64_t r = 0; r < back->num_rows(); ++r) EXPECT_EQ(back->at(r, is_top), 1.f);
}

TEST(JetNetTest, FitsJetNetLayoutOnlyWhenNoColumnWouldBeLost) {
  EXPECT_TRUE(FitsJetNetLayout(JetNetLongColumns()));
  std::vector<std::string> extra = JetNetLongColumns();
  extra.push_back("jet_type");
  EXPECT_FALSE(FitsJetNetLayout(extra));
  EXPECT_FALSE(FitsJetNetLayout({"jet", "constituent", "log_pt", "eta_rel", "n_constituents"}));
}

// ---------------------------------------------------------------------------
// JetNetWriter: the streamed file must hold exactly WriteJetNet's arrays.

std::string FreshDir(const std::string& name) {
  const std::string dir = TempPath(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// ManyClouds: `jets` jets of 1 to 40 constituents, enough for several HDF5
// chunks of jets.
Table ManyClouds(int jets) {
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> size(1, 40);
  std::vector<int> sizes;
  for (int j = 0; j < jets; ++j) sizes.push_back(size(rng));
  Table t(JetNetLongColumns());
  std::uniform_real_distribution<float> u(-0.8f, 0.8f);
  for (int j = 0; j < jets; ++j) {
    const float jet_eta = u(rng);
    for (int c = 0; c < sizes[j]; ++c) {
      const float log_pt = 6.f - 0.1f * c + u(rng);
      t.AppendRow({static_cast<float>(j), static_cast<float>(c), log_pt, log_pt + 0.2f, u(rng), u(rng),
                   500.f + j % 97, jet_eta, 90.f + j % 13, static_cast<float>(sizes[j]),
                   static_cast<float>(j % 2)});
    }
  }
  return t;
}

absl::Status StreamJetNet(const std::string& path, const Table& t, int64_t block,
                          const JetNetWriteOptions& options = {}) {
  JetNetWriter writer;
  absl::Status s = writer.Open(path, t.columns(), t.num_rows(), options);
  for (int64_t r = 0; s.ok() && r < t.num_rows(); r += block) s = writer.Append(t.SliceRows(r, r + block));
  return s.ok() ? writer.Commit() : s;
}

// ExpectSameArrays compares every dataset of two files: names, shapes and
// the float32 bytes.
void ExpectSameArrays(const std::string& streamed, const std::string& reference) {
  absl::StatusOr<Hdf5File> a = Hdf5File::Open(streamed);
  absl::StatusOr<Hdf5File> b = Hdf5File::Open(reference);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
  std::vector<std::string> names = a->DatasetNames(), expected = b->DatasetNames();
  std::sort(names.begin(), names.end());
  std::sort(expected.begin(), expected.end());
  ASSERT_EQ(names, expected);
  for (const std::string& name : names) {
    absl::StatusOr<Hdf5Array> x = a->Read(name);
    absl::StatusOr<Hdf5Array> y = b->Read(name);
    ASSERT_TRUE(x.ok() && y.ok()) << x.status() << y.status();
    EXPECT_EQ(x->shape, y->shape) << name;
    ASSERT_EQ(x->values.size(), y->values.size()) << name;
    EXPECT_EQ(std::memcmp(x->values.data(), y->values.data(), x->values.size() * sizeof(float)), 0)
        << name << " differs";
  }
}

// Variants of a table: with and without log_e and is_top, and the option
// is_top for a table without the column.
struct Variant {
  std::string name;
  Table table;
  JetNetWriteOptions options;
};

std::vector<Variant> Variants() {
  std::vector<Variant> out;
  const Table full = Clouds({3, 7, 1, 30, 12, 2});
  out.push_back({"full", full, {}});
  out.push_back({"no log_e", *full.SelectColumns({"jet", "constituent", "log_pt", "eta_rel", "phi_rel",
                                                  "jet_pt_gev", "jet_eta", "jet_mass_gev",
                                                  "n_constituents", "is_top"}),
                 {}});
  out.push_back({"no is_top", *full.SelectColumns({"jet", "constituent", "log_pt", "log_e", "eta_rel",
                                                   "phi_rel", "n_constituents"}),
                 {}});
  out.push_back({"sampled", SampledClouds(), {}});
  JetNetWriteOptions top;
  top.is_top = 1.f;
  out.push_back({"sampled, option is_top", SampledClouds(), top});
  JetNetWriteOptions tight;
  tight.max_particles = 30;
  out.push_back({"max_particles 30", full, tight});
  out.push_back({"2500 jets, several chunks", ManyClouds(2500), {}});
  return out;
}

TEST(JetNetWriterTest, StreamedFileHoldsWriteJetNetsArraysForAnyBlockSize) {
  const std::string dir = FreshDir("jetnet-stream");
  for (const Variant& v : Variants()) {
    SCOPED_TRACE(v.name);
    const std::string reference = dir + "/reference.h5";
    ASSERT_TRUE(WriteJetNet(reference, v.table, v.options).ok());
    for (int64_t block : {int64_t{1}, int64_t{7}, v.table.num_rows()}) {
      SCOPED_TRACE(block);
      const std::string path = dir + "/streamed.h5";
      absl::Status s = StreamJetNet(path, v.table, block, v.options);
      ASSERT_TRUE(s.ok()) << s;
      ExpectSameArrays(path, reference);
      absl::StatusOr<Table> back = ReadJetNet(path);
      absl::StatusOr<Table> expected = ReadJetNet(reference);
      ASSERT_TRUE(back.ok() && expected.ok()) << back.status();
      EXPECT_EQ(back->values(), expected->values());
    }
    absl::StatusOr<Hdf5File> file = Hdf5File::Open(reference);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->Has("particle_log_e"), v.table.HasColumn("log_e"));
    EXPECT_EQ(file->Has("jet_is_top"), v.table.HasColumn("is_top") || v.options.is_top.has_value());
  }
  // Nothing but the two files: no temporary file is left.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 2);
}

TEST(JetNetWriterTest, AJetSplitAcrossAppendsIsHeldUntilTheNextJetStarts) {
  const Table t = Clouds({4, 30, 5});
  const std::string dir = FreshDir("jetnet-split");
  JetNetWriter writer;
  ASSERT_TRUE(writer.Open(dir + "/split.h5", t.columns(), t.num_rows()).ok());
  // Rows 0..13: jet 0 and 10 rows of jet 1; then jet 1 in two more pieces.
  ASSERT_TRUE(writer.Append(t.SliceRows(0, 14)).ok());
  EXPECT_EQ(writer.held_jets(), 1);
  EXPECT_EQ(writer.held_rows(), 10);
  ASSERT_TRUE(writer.Append(t.SliceRows(14, 24)).ok());
  ASSERT_TRUE(writer.Append(t.SliceRows(24, 34)).ok());
  EXPECT_EQ(writer.held_rows(), 30) << "jet 1 may still go on";
  ASSERT_TRUE(writer.Append(t.SliceRows(34, 35)).ok());
  EXPECT_EQ(writer.held_jets(), 2);
  EXPECT_EQ(writer.held_rows(), 1);
  ASSERT_TRUE(writer.Append(t.SliceRows(35, 39)).ok());
  ASSERT_TRUE(writer.Commit().ok());
  ASSERT_TRUE(WriteJetNet(dir + "/reference.h5", t).ok());
  ExpectSameArrays(dir + "/split.h5", dir + "/reference.h5");
}

// ExpectStreamFails streams `t` in blocks of `block` rows and expects the
// error WriteJetNet gives (or `message` when set), and no file left at all.
void ExpectStreamFails(const Table& t, int64_t block, const std::string& message = "") {
  const std::string dir = FreshDir("jetnet-bad");
  const std::string path = dir + "/bad.h5";
  absl::Status expected = WriteJetNet(path, t);
  ASSERT_FALSE(expected.ok());
  JetNetWriter writer;
  ASSERT_TRUE(writer.Open(path, t.columns(), t.num_rows()).ok());
  absl::Status s;
  for (int64_t r = 0; s.ok() && r < t.num_rows(); r += block) s = writer.Append(t.SliceRows(r, r + block));
  if (s.ok()) s = writer.Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(std::string(s.message()), message.empty() ? std::string(expected.message()) : message);
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "the failed write left a file";
  EXPECT_EQ(writer.Commit().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(JetNetWriterTest, AnInvalidJetInALaterBlockFailsWithWriteJetNetsMessageAndLeavesNoFile) {
  Table shuffled = Clouds({3, 3, 3, 3, 3});
  const int constituent = *shuffled.ColumnIndex("constituent");
  std::swap(shuffled.at(10, constituent), shuffled.at(11, constituent));
  ExpectStreamFails(shuffled, 4);
  ExpectStreamFails(shuffled, 1);

  Table again = Clouds({2, 2, 2, 2});
  const int jet = *again.ColumnIndex("jet");
  again.at(6, jet) = again.at(7, jet) = 1.f;  // jet 1 comes back after jet 2
  ExpectStreamFails(again, 3);

  Table count = Clouds({3, 3, 3});
  count.at(8, *count.ColumnIndex("n_constituents")) = 4.f;  // the last jet, found at Commit
  ExpectStreamFails(count, 5);

  Table zero_pt = Clouds({2, 4});
  for (int r = 2; r < 6; ++r) zero_pt.at(r, *zero_pt.ColumnIndex("jet_pt_gev")) = 0.f;
  ExpectStreamFails(zero_pt, 2);

  // A jet longer than P is refused as soon as its rows outgrow P, without
  // waiting for its end (its rows are the memory a stream holds).
  const std::string path = FreshDir("jetnet-bad") + "/bad.h5";
  ExpectStreamFails(Clouds({3, 120}), 5,
                    path + ": jet 1 (row 3) has at least 101 constituents, more than max_particles=100");
  ExpectStreamFails(Clouds({3, 120, 2}), 200);  // whole: WriteJetNet's message
}

// OneParticleJets: jets of one constituent each, with the given ids.
Table OneParticleJets(const std::vector<float>& ids) {
  Table t({"jet", "constituent", "log_pt", "eta_rel", "phi_rel", "n_constituents"});
  for (float id : ids) t.AppendRow({id, 0.f, 5.f, 0.1f, -0.1f, 1.f});
  return t;
}

// The ids seen are kept as runs of integers, merged in any order; an id
// seen before is refused wherever it falls.
TEST(JetNetWriterTest, JetIdsComeBackOnlyOnceWhateverTheirOrder) {
  const std::string path = FreshDir("jetnet-ids") + "/ids.h5";
  for (const std::vector<float>& ids : std::vector<std::vector<float>>{
           {0, 1, 2, 3}, {5, 3, 4, 2, 6, 1, 10, 8, 9, 7, 0}, {-3, -1, -2, 0.5f, 1.5f, 0, 1, 2, 2.5f}}) {
    EXPECT_TRUE(WriteJetNet(path, OneParticleJets(ids)).ok());
    EXPECT_TRUE(StreamJetNet(path, OneParticleJets(ids), 1).ok());
  }
  ExpectStreamFails(OneParticleJets({5, 3, 4, 2, 6, 4}), 1);
  ExpectStreamFails(OneParticleJets({0, 1, 2, 3, 4, 5, 6, 3}), 2);
  ExpectStreamFails(OneParticleJets({0.5f, 1.5f, 2, 1.5f}), 3);
  ExpectStreamFails(OneParticleJets({0, 1, 7, 9, 8, 2, 8}), 4);
  // A NaN id matches no row, not even its own: refused, not looped on.
  ExpectStreamFails(OneParticleJets({0, std::nanf(""), 2}), 1);
  absl::Status nan = WriteJetNet(path, OneParticleJets({0, std::nanf("")}));
  EXPECT_NE(nan.message().find("row 1: jet id nan is not a finite number"), std::string::npos) << nan;
  absl::Status again = WriteJetNet(path, OneParticleJets({5, 3, 4, 2, 6, 4}));
  EXPECT_NE(again.message().find("row 5: jet 4 appears again"), std::string::npos) << again;
}

TEST(JetNetWriterTest, WrongRowCountsAndAbandonedWritesLeaveNoFile) {
  const Table t = Clouds({3, 4, 5});
  const std::string dir = FreshDir("jetnet-short");
  const std::string path = dir + "/short.h5";
  {
    JetNetWriter writer;
    ASSERT_TRUE(writer.Open(path, t.columns(), t.num_rows() + 1).ok());
    ASSERT_TRUE(writer.Append(t).ok());
    absl::Status s = writer.Commit();
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_EQ(std::string(s.message()), path + ": 12 rows written, 13 promised; nothing was saved");
    EXPECT_TRUE(std::filesystem::is_empty(dir));
  }
  {
    JetNetWriter writer;
    ASSERT_TRUE(writer.Open(path, t.columns(), 5).ok());
    absl::Status s = writer.Append(t);
    EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
    EXPECT_TRUE(std::filesystem::is_empty(dir));
  }
  {
    JetNetWriter writer;
    ASSERT_TRUE(writer.Open(path, t.columns(), t.num_rows()).ok());
    ASSERT_TRUE(writer.Append(t.SliceRows(0, 5)).ok());
    EXPECT_FALSE(std::filesystem::is_empty(dir)) << "the temporary file";
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "destroyed before Commit";
  // The same through StreamingTableWriter, which takes the JetNet layout for .h5.
  StreamingTableWriter stream;
  ASSERT_TRUE(stream.Open(path, t.columns(), t.num_rows() + 1).ok());
  ASSERT_TRUE(stream.Append(t).ok());
  EXPECT_EQ(stream.Commit().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(JetNetWriterTest, MaxParticlesZeroIsNotStreamedButStillWritten) {
  const Table t = Clouds({3, 7, 1});
  const std::string dir = FreshDir("jetnet-zero");
  JetNetWriter writer;
  JetNetWriteOptions zero;
  zero.max_particles = 0;
  absl::Status s = writer.Open(dir + "/z.h5", t.columns(), t.num_rows(), zero);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("max_particles=0 cannot be streamed"), std::string::npos) << s;
  // StreamingTableWriter gathers those rows for WriteJetNet; the default streams.
  ASSERT_TRUE(WriteJetNet(dir + "/reference0.h5", t, zero).ok());
  ASSERT_TRUE(WriteJetNet(dir + "/reference.h5", t).ok());
  for (const bool pad_to_largest : {true, false}) {
    SCOPED_TRACE(pad_to_largest);
    StreamingTableWriter stream;
    std::map<std::string, std::string> options;
    if (pad_to_largest) options["max_particles"] = "0";
    ASSERT_TRUE(stream.Open(dir + "/s.h5", t.columns(), t.num_rows(), "", options).ok());
    for (int64_t r = 0; r < t.num_rows(); r += 2) ASSERT_TRUE(stream.Append(t.SliceRows(r, r + 2)).ok());
    ASSERT_TRUE(stream.Commit().ok());
    ExpectSameArrays(dir + "/s.h5", dir + (pad_to_largest ? "/reference0.h5" : "/reference.h5"));
  }
}

using testing::kSanitized;

// StatusKb reads a "Vm...: N kB" line of /proc/self/status, -1 if absent.
int64_t StatusKb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atoll(line.c_str() + field.size() + 1);
  }
  return -1;
}

// ResetPeakRss makes VmHWM the current resident set (Linux 4.0 and later),
// so that earlier tests' peaks do not hide this one's.
bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return out.good() && StatusKb("VmHWM") <= StatusKb("VmRSS") + 1024;
}

// 200,000 jets of 50 constituents (10^7 rows, 240 MB as a table; 400 MB of
// JetNet arrays) stream through blocks of 997 rows, so jets split across
// blocks; the peak resident set may grow by 48 MB at most: one pending jet,
// one block of jets (2.5 MB), libhdf5's caches and the block of rows.
TEST(JetNetWriterTest, MemoryStaysBoundedWhileStreaming200kJets) {
  constexpr int64_t kJets = 200000, kSize = 50, kRows = kJets * kSize, kBlock = 997;
  const std::vector<std::string> columns = {"jet", "constituent", "log_pt", "eta_rel", "phi_rel",
                                            "n_constituents"};
  const std::string dir = FreshDir("jetnet-memory");
  const std::string path = dir + "/big.h5";
  Table block(columns);
  block.Reserve(kBlock);
  const bool measured = !kSanitized && ResetPeakRss();
  const int64_t rss_before = StatusKb("VmRSS");
  JetNetWriter writer;
  ASSERT_TRUE(writer.Open(path, columns, kRows).ok());
  for (int64_t first = 0; first < kRows; first += kBlock) {
    const int64_t n = std::min(kBlock, kRows - first);
    std::vector<float>& v = block.mutable_values();
    v.resize(static_cast<size_t>(n * 6));
    for (int64_t i = 0; i < n; ++i) {
      const int64_t row = first + i, c = row % kSize;
      float* r = &v[static_cast<size_t>(i * 6)];
      r[0] = static_cast<float>(row / kSize);
      r[1] = static_cast<float>(c);
      r[2] = 5.f - 0.05f * c;
      r[3] = 0.001f * c - 0.02f;
      r[4] = 0.02f - 0.0007f * c;
      r[5] = static_cast<float>(kSize);
    }
    ASSERT_TRUE(writer.Append(block).ok());
    ASSERT_LE(writer.held_rows(), kSize);
    ASSERT_LT(writer.held_jets(), writer.chunk_jets());
  }
  ASSERT_TRUE(writer.Commit().ok());
  const int64_t grown_kb = StatusKb("VmHWM") - rss_before;
  std::printf("streamed %lld jets: peak RSS +%.1f MB%s, file %.0f MB\n", static_cast<long long>(kJets),
              grown_kb / 1024.0, measured ? "" : " (not measured)",
              std::filesystem::file_size(path) / 1e6);
  if (measured) {
    EXPECT_LT(grown_kb, 48 * 1024);
  }
  absl::StatusOr<Hdf5File> file = Hdf5File::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  absl::StatusOr<Hdf5Array> jets = file->Read("jet_features");
  ASSERT_TRUE(jets.ok()) << jets.status();
  EXPECT_EQ(jets->shape, (std::vector<int64_t>{kJets, 4}));
  EXPECT_EQ(jets->values[(kJets - 1) * 4 + 3], static_cast<float>(kSize));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace evgen
