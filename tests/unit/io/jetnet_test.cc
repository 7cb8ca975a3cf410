#include "core/io/jetnet.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <filesystem>

#include "core/io/atomic_file.h"
#include "core/io/hdf5_table.h"

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

}  // namespace
}  // namespace evgen
