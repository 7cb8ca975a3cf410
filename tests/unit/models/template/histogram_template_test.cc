#include "core/models/template/histogram_template.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/random/counter_rng.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

// HasText checks that `text` contains `part` (gmock's HasSubstr without
// linking gmock).
::testing::AssertionResult HasText(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// The known truth of the recovery test: pT log-uniform in [200, 2000] GeV,
// eta uniform in [-2, 2], and mass ~ Gamma(shape 3, scale theta) with theta
// set by the (|eta|, log10 pT) cell of the default 4 x 15 binning, so each
// cell's mass distribution is known exactly.
constexpr double kPtMin = 200, kPtMax = 2000, kMassMax = 200;
constexpr int kEtaBins = 4, kPtBins = 15, kMassBins = 50;

int TruthCell(float pt, float eta) {
  int a = static_cast<int>(std::fabs(eta) / 2.0 * kEtaBins);
  int p = static_cast<int>(std::log10(pt / kPtMin) * kPtBins);
  a = std::min(std::max(a, 0), kEtaBins - 1);
  p = std::min(std::max(p, 0), kPtBins - 1);
  return a * kPtBins + p;
}

double TruthScale(int cell) { return 4.0 + 1.5 * (cell % kPtBins) + 1.0 * (cell / kPtBins); }

// GammaCdf3 is the CDF of Gamma(shape 3, scale theta).
double GammaCdf3(double x, double theta) {
  const double t = x / theta;
  return 1.0 - std::exp(-t) * (1.0 + t + 0.5 * t * t);
}

// Kinematics draws n (pT, eta) rows, row r from CounterRng(seed, r).
Table Kinematics(int64_t n, uint64_t seed) {
  Table t({"pt_gev", "eta"});
  t.Reserve(n);
  for (int64_t r = 0; r < n; ++r) {
    CounterRng rng(seed, static_cast<uint64_t>(r));
    const float pt = static_cast<float>(kPtMin * std::pow(kPtMax / kPtMin, rng.Uniform()));
    const float eta = static_cast<float>(-2.0 + 4.0 * rng.Uniform());
    t.AppendRow({pt, eta});
  }
  return t;
}

// TruthJets dresses Kinematics(n, seed) with Gamma(3, theta_cell) masses
// (sum of three exponentials), keeping masses inside [0, kMassMax].
Table TruthJets(int64_t n, uint64_t seed) {
  const Table kin = Kinematics(n, seed);
  Table t({"pt_gev", "eta", "mass_gev"});
  t.Reserve(n);
  for (int64_t r = 0; r < n; ++r) {
    const float pt = kin.at(r, 0), eta = kin.at(r, 1);
    CounterRng rng(DeriveSeed(seed, 7), static_cast<uint64_t>(r));
    const double theta = TruthScale(TruthCell(pt, eta));
    double mass = 0;
    do {
      mass = -theta * (std::log(rng.UniformOpen()) + std::log(rng.UniformOpen()) +
                       std::log(rng.UniformOpen()));
    } while (mass > kMassMax);
    t.AppendRow({pt, eta, static_cast<float>(mass)});
  }
  return t;
}

HistogramTemplateConfig TruthConfig() {
  HistogramTemplateConfig c;
  c.pt_min_gev = kPtMin;
  c.pt_max_gev = kPtMax;
  c.mass_min_gev = 0;
  c.mass_max_gev = kMassMax;
  c.mass_bins = kMassBins;
  return c;
}

// Chi2 is a goodness-of-fit result summed over cells.
struct Chi2 {
  double chi2 = 0;
  int ndf = 0;
  double worst_cell_ratio = 0;  // the largest per-cell chi2 / ndf
};

// SampledChi2 compares the sampled mass histogram of every cell with the
// Gamma(3, scale_factor * theta_cell) truth truncated to [0, kMassMax], on the
// template's own mass bins (bins with fewer than 5 expected entries merged
// into one). The template carries the training sample's noise, so each
// bin's variance is E * (1 + n_sampled / n_trained) rather than E.
Chi2 SampledChi2(const Table& sampled, double scale_factor, double n_sample_over_train) {
  std::vector<std::vector<double>> observed(kEtaBins * kPtBins, std::vector<double>(kMassBins, 0));
  std::vector<double> n_cell(kEtaBins * kPtBins, 0);
  for (int64_t r = 0; r < sampled.num_rows(); ++r) {
    const int cell = TruthCell(sampled.at(r, 0), sampled.at(r, 1));
    int b = static_cast<int>(sampled.at(r, 2) / kMassMax * kMassBins);
    b = std::min(std::max(b, 0), kMassBins - 1);
    observed[cell][b] += 1;
    n_cell[cell] += 1;
  }
  Chi2 result;
  const double width = kMassMax / kMassBins;
  for (int cell = 0; cell < kEtaBins * kPtBins; ++cell) {
    const double theta = scale_factor * TruthScale(cell);
    const double norm = GammaCdf3(kMassMax, theta);
    double chi2 = 0, rest_o = 0, rest_e = 0;
    int used = 0;
    for (int b = 0; b < kMassBins; ++b) {
      const double e =
          n_cell[cell] * (GammaCdf3((b + 1) * width, theta) - GammaCdf3(b * width, theta)) / norm;
      if (e < 5) {
        rest_o += observed[cell][b];
        rest_e += e;
        continue;
      }
      chi2 += (observed[cell][b] - e) * (observed[cell][b] - e) / (e * (1 + n_sample_over_train));
      ++used;
    }
    if (rest_e >= 5) {
      chi2 += (rest_o - rest_e) * (rest_o - rest_e) / (rest_e * (1 + n_sample_over_train));
      ++used;
    }
    const int ndf = used - 1;  // the total is fixed to n_cell
    result.chi2 += chi2;
    result.ndf += ndf;
    result.worst_cell_ratio = std::max(result.worst_cell_ratio, chi2 / ndf);
  }
  return result;
}

std::string MakeTempDir() {
  std::string pattern = ::testing::TempDir() + "/histogram_template_XXXXXX";
  char* dir = ::mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return pattern;
}

HistogramTemplate FittedTemplate(const Table& train,
                                 HistogramTemplateConfig config = TruthConfig()) {
  HistogramTemplate model(std::move(config));
  const absl::Status s = model.Fit(train, FitContext{});
  EXPECT_TRUE(s.ok()) << s;
  return model;
}

TEST(HistogramTemplateTest, RecoversKnownPerCellDistribution) {
  constexpr int64_t kTrain = 600000, kSample = 120000;
  const Table train = TruthJets(kTrain, 11);
  const HistogramTemplate model = FittedTemplate(train);
  ASSERT_TRUE(model.empty_cells().empty());

  // Fresh conditions, independent of the training jets.
  const Table conditions = Kinematics(kSample, 12);
  absl::StatusOr<Table> sampled = model.SampleFor(conditions, 99, 0);
  ASSERT_TRUE(sampled.ok()) << sampled.status();
  ASSERT_EQ(sampled->num_rows(), kSample);
  for (int64_t r = 0; r < kSample; ++r) {
    ASSERT_GE(sampled->at(r, 2), 0.f);
    ASSERT_LE(sampled->at(r, 2), kMassMax);
  }

  const double ratio = static_cast<double>(kSample) / kTrain;
  const Chi2 good = SampledChi2(*sampled, 1.0, ratio);
  const Chi2 wrong = SampledChi2(*sampled, 1.1, ratio);  // a 10% wrong mass scale
  std::printf("truth: chi2/ndf = %.1f/%d = %.3f (worst cell %.2f); 10%%-wrong scale: %.3f\n",
              good.chi2, good.ndf, good.chi2 / good.ndf, good.worst_cell_ratio,
              wrong.chi2 / wrong.ndf);
  // The test: with ndf ~ 1900, chi2/ndf has a spread of sqrt(2 / ndf) ~ 0.03,
  // so [0.8, 1.2] is six sigma either way; a single cell (ndf ~ 31) exceeds
  // 2.5 with p ~ 1e-5.
  const auto passes = [](const Chi2& c) {
    return c.chi2 / c.ndf < 1.2 && c.chi2 / c.ndf > 0.8 && c.worst_cell_ratio < 2.5;
  };
  EXPECT_TRUE(passes(good));
  // The same test rejects a distribution only 10% off in scale.
  EXPECT_FALSE(passes(wrong));
  EXPECT_GT(wrong.chi2 / wrong.ndf, 1.5);
}

TEST(HistogramTemplateTest, OutputHasConditionThenTargetColumns) {
  const HistogramTemplate model = FittedTemplate(TruthJets(5000, 1));
  EXPECT_EQ(model.kind(), "template");
  EXPECT_EQ(model.condition_columns(), (std::vector<std::string>{"pt_gev", "eta"}));
  EXPECT_EQ(model.target_columns(), (std::vector<std::string>{"mass_gev"}));
  // Extra columns are ignored and the order of the conditions table does not matter.
  Table conditions({"n_track", "eta", "pt_gev"});
  conditions.AppendRow({30.f, -1.5f, 450.f});
  conditions.AppendRow({12.f, 0.25f, 1200.f});
  ASSERT_TRUE(conditions.SetWeights({0.5f, 2.f}).ok());
  absl::StatusOr<Table> out = model.SampleFor(conditions, 3, 0);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->columns(), (std::vector<std::string>{"pt_gev", "eta", "mass_gev"}));
  ASSERT_EQ(out->num_rows(), 2);
  EXPECT_EQ(out->at(0, 0), 450.f);
  EXPECT_EQ(out->at(0, 1), -1.5f);
  EXPECT_EQ(out->at(1, 0), 1200.f);
  EXPECT_EQ(out->at(1, 1), 0.25f);
  EXPECT_EQ(out->weights(), (std::vector<float>{0.5f, 2.f}));
}

TEST(HistogramTemplateTest, CellIndexMapping) {
  HistogramTemplateConfig config;
  config.pt_min_gev = 100;
  config.pt_max_gev = 100000;  // 3 decades in 15 bins: 5 bins per decade
  HistogramTemplate model(config);
  Table train({"pt_gev", "eta", "mass_gev"});
  train.AppendRow({500.f, 0.1f, 20.f});
  ASSERT_TRUE(model.Fit(train, FitContext{}).ok());
  EXPECT_EQ(model.num_cells(), 60);

  EXPECT_EQ(model.CellIndex(100, 0.0), 0);
  EXPECT_EQ(model.CellIndex(150, 0.3), 0);     // log10(1.5) * 5 = 0.88
  EXPECT_EQ(model.CellIndex(170, 0.3), 1);     // log10(1.7) * 5 = 1.15
  EXPECT_EQ(model.CellIndex(900, 0.0), 4);     // log10(9) * 5 = 4.77
  EXPECT_EQ(model.CellIndex(1100, 0.0), 5);    // log10(11) * 5 = 5.21
  EXPECT_EQ(model.CellIndex(50000, 0.0), 13);  // log10(500) * 5 = 13.49
  EXPECT_EQ(model.CellIndex(90000, 0.0), 14);  // log10(900) * 5 = 14.77
  // |eta| bins of width 0.5, both signs alike.
  EXPECT_EQ(model.CellIndex(1100, 0.49), 5);
  EXPECT_EQ(model.CellIndex(1100, 0.51), 15 + 5);
  EXPECT_EQ(model.CellIndex(1100, -0.51), 15 + 5);
  EXPECT_EQ(model.CellIndex(1100, -1.2), 30 + 5);
  EXPECT_EQ(model.CellIndex(1100, 1.99), 45 + 5);
  // Outside the ranges: the nearest edge cell.
  EXPECT_EQ(model.CellIndex(99, 0.0), 0);
  EXPECT_EQ(model.CellIndex(1, -0.7), 15);
  EXPECT_EQ(model.CellIndex(0, 0.0), 0);
  EXPECT_EQ(model.CellIndex(-5, 0.0), 0);
  EXPECT_EQ(model.CellIndex(100000, 0.0), 14);
  EXPECT_EQ(model.CellIndex(1e7, 0.0), 14);
  EXPECT_EQ(model.CellIndex(1100, 2.0), 45 + 5);
  EXPECT_EQ(model.CellIndex(1100, -3.5), 45 + 5);
  EXPECT_EQ(model.CellIndex(1e7, 9.0), 59);

  // Without configured limits the pT range is the training jets'.
  HistogramTemplateConfig data_range;
  data_range.log_pt_bins = 2;
  data_range.abs_eta_bins = 1;
  HistogramTemplate from_data(data_range);
  Table two({"pt_gev", "eta", "mass_gev"});
  two.AppendRow({100.f, 0.f, 10.f});
  two.AppendRow({10000.f, 0.f, 10.f});
  ASSERT_TRUE(from_data.Fit(two, FitContext{}).ok());
  EXPECT_EQ(from_data.CellIndex(900, 0), 0);
  EXPECT_EQ(from_data.CellIndex(1100, 0), 1);
  EXPECT_EQ(from_data.cell_counts(), (std::vector<int64_t>{1, 1}));
  const nlohmann::json d = from_data.Describe();
  EXPECT_NEAR(d["pt_range_gev"][0].get<double>(), 100, 1e-9);
  EXPECT_NEAR(d["pt_range_gev"][1].get<double>(), 10000, 1e-6);
}

TEST(HistogramTemplateTest, FillsCellsAndDropsJetsOutsideRanges) {
  HistogramTemplateConfig config;
  config.abs_eta_bins = 2;
  config.log_pt_bins = 2;
  config.pt_min_gev = 100;
  config.pt_max_gev = 10000;
  config.mass_max_gev = 100;
  HistogramTemplate model(config);
  Table train({"pt_gev", "eta", "mass_gev"});
  train.AppendRow({200.f, 0.5f, 10.f});   // cell 0
  train.AppendRow({300.f, -0.9f, 10.f});  // cell 0
  train.AppendRow({5000.f, 1.5f, 10.f});  // cell 3
  train.AppendRow({50.f, 0.5f, 10.f});    // pT below pt_min: dropped
  train.AppendRow({200.f, 2.5f, 10.f});   // |eta| above abs_eta_max: dropped
  train.AppendRow({200.f, 0.5f, 150.f});  // mass above mass_max: dropped
  ASSERT_TRUE(model.Fit(train, FitContext{}).ok());
  EXPECT_EQ(model.cell_counts(), (std::vector<int64_t>{2, 0, 0, 1}));
  const nlohmann::json d = model.Describe();
  EXPECT_EQ(d["training_rows"], 3);
  EXPECT_EQ(d["dropped_rows"], 3);
  EXPECT_EQ(d["cell_counts"], nlohmann::json({2, 0, 0, 1}));
}

TEST(HistogramTemplateTest, EmptyCellsBorrowFromNearestAndAreReported) {
  HistogramTemplateConfig config;
  config.abs_eta_bins = 3;
  config.abs_eta_max = 3.0;  // |eta| rows [0,1), [1,2), [2,3]
  config.log_pt_bins = 4;    // decades of 10^2..10^6
  config.pt_min_gev = 100;
  config.pt_max_gev = 1e6;
  config.mass_bins = 60;
  config.mass_max_gev = 60;  // 1 GeV mass bins
  HistogramTemplate model(config);
  Table train({"pt_gev", "eta", "mass_gev"});
  for (int i = 0; i < 50; ++i) {
    train.AppendRow({300.f, 0.5f, 10.25f + 0.01f * i});     // cell (0, 0) = 0: mass in [10, 11)
    train.AppendRow({300000.f, 1.5f, 50.25f + 0.01f * i});  // cell (1, 3) = 7: mass in [50, 51)
  }
  ASSERT_TRUE(model.Fit(train, FitContext{}).ok());
  // Same |eta| row first: (0, 3) takes (0, 0) although (1, 3) is one row away.
  // Row 2 has nothing, so its cells take the nearest row's nearest cell.
  const std::vector<int> expected_donor = {0, 0, 0, 0, 7, 7, 7, 7, 7, 7, 7, 7};
  EXPECT_EQ(model.empty_cells(), (std::vector<int>{1, 2, 3, 4, 5, 6, 8, 9, 10, 11}));
  const nlohmann::json d = model.Describe();
  ASSERT_EQ(d["empty_cells"].size(), 10u);
  for (const nlohmann::json& e : d["empty_cells"]) {
    const int cell = e["cell"];
    EXPECT_EQ(e["abs_eta_bin"], cell / 4);
    EXPECT_EQ(e["log_pt_bin"], cell % 4);
    EXPECT_EQ(e["donor"], expected_donor[cell]) << "cell " << cell;
  }

  // Sampling in an empty cell draws from its donor's histogram.
  Table conditions({"pt_gev", "eta"});
  conditions.AppendRow({500000.f, 0.2f});  // (0, 3) -> donor 0
  conditions.AppendRow({300.f, 1.2f});     // (1, 0) -> donor 7
  conditions.AppendRow({3000.f, 2.7f});    // (2, 1) -> donor 7
  for (uint64_t seed = 0; seed < 20; ++seed) {
    absl::StatusOr<Table> out = model.SampleFor(conditions, seed, 0);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_GE(out->at(0, 2), 10.f);
    EXPECT_LE(out->at(0, 2), 11.f);
    EXPECT_GE(out->at(1, 2), 50.f);
    EXPECT_LE(out->at(1, 2), 51.f);
    EXPECT_GE(out->at(2, 2), 50.f);
    EXPECT_LE(out->at(2, 2), 51.f);
  }
}

TEST(HistogramTemplateTest, SameSeedSameSamplesDifferentSeedDiffers) {
  const HistogramTemplate model = FittedTemplate(TruthJets(20000, 2));
  const Table conditions = Kinematics(1000, 3);
  absl::StatusOr<Table> a = model.SampleFor(conditions, 42, 0);
  absl::StatusOr<Table> b = model.SampleFor(conditions, 42, 0);
  absl::StatusOr<Table> c = model.SampleFor(conditions, 43, 0);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->values(), b->values());
  int64_t differing = 0;
  for (int64_t r = 0; r < conditions.num_rows(); ++r) differing += a->at(r, 2) != c->at(r, 2);
  EXPECT_GT(differing, 990);
}

TEST(HistogramTemplateTest, ChunkingDoesNotChangeSamples) {
  const HistogramTemplate model = FittedTemplate(TruthJets(20000, 4));
  const Table conditions = Kinematics(5000, 5);
  absl::StatusOr<Table> whole = model.SampleFor(conditions, 7, 0);
  ASSERT_TRUE(whole.ok());
  for (int64_t k : {int64_t{1}, int64_t{1234}, int64_t{4999}}) {
    absl::StatusOr<Table> head = model.SampleFor(conditions.SliceRows(0, k), 7, 0);
    absl::StatusOr<Table> tail = model.SampleFor(conditions.SliceRows(k, 5000), 7, k);
    ASSERT_TRUE(head.ok() && tail.ok());
    ASSERT_TRUE(head->Append(*tail).ok());
    EXPECT_EQ(head->values(), whole->values()) << "split at " << k;
  }
  // Rows are keyed by their absolute index: a chunk starting at row 100
  // reproduces rows 100.. of the whole.
  absl::StatusOr<Table> middle = model.SampleFor(conditions.SliceRows(100, 200), 7, 100);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(middle->values(), whole->SliceRows(100, 200).values());
}

TEST(HistogramTemplateTest, SaveThenLoadGivesIdenticalSamples) {
  const HistogramTemplate model = FittedTemplate(TruthJets(20000, 6));
  const std::string dir = MakeTempDir();
  ASSERT_TRUE(model.Save(dir).ok());
  EXPECT_NE(::access((dir + "/template.json").c_str(), F_OK), -1);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {  // temp files renamed away
    EXPECT_EQ(entry.path().filename(), "template.json");
  }

  // A model built with another config takes the saved one.
  HistogramTemplateConfig other;
  other.mass_bins = 7;
  HistogramTemplate loaded(other);
  const absl::Status s = loaded.Load(dir);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(loaded.Describe(), model.Describe());
  const Table conditions = Kinematics(3000, 8);
  absl::StatusOr<Table> a = model.SampleFor(conditions, 5, 17);
  absl::StatusOr<Table> b = loaded.SampleFor(conditions, 5, 17);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->values(), b->values());

  // Saving again overwrites in place.
  ASSERT_TRUE(loaded.Save(dir).ok());
  HistogramTemplate again(HistogramTemplateConfig{});
  ASSERT_TRUE(again.Load(dir).ok());
  EXPECT_EQ(again.Describe(), model.Describe());
}

TEST(HistogramTemplateTest, CorruptFileIsRejected) {
  const HistogramTemplate model = FittedTemplate(TruthJets(5000, 9));
  const std::string dir = MakeTempDir();
  ASSERT_TRUE(model.Save(dir).ok());
  const std::string path = dir + "/template.json";
  std::ifstream in(path);
  const nlohmann::json good = nlohmann::json::parse(in);
  in.close();
  const auto write = [&path](const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
  };
  const auto expect_rejected = [&dir](const std::string& what, const std::string& message) {
    HistogramTemplate loaded(HistogramTemplateConfig{});
    const absl::Status s = loaded.Load(dir);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << what << ": " << s;
    EXPECT_TRUE(HasText(std::string(s.message()), message)) << what;
    // A failed Load leaves the model unusable rather than half-loaded.
    EXPECT_EQ(loaded.SampleFor(Kinematics(1, 1), 1, 0).status().code(),
              absl::StatusCode::kFailedPrecondition);
  };

  const std::string text = good.dump();
  write(text.substr(0, text.size() / 2));
  expect_rejected("truncated", "not valid JSON");
  write("");
  expect_rejected("empty", "not valid JSON");

  nlohmann::json j = good;
  j["cell_cdfs"].erase(j["cell_cdfs"].begin());
  write(j.dump());
  expect_rejected("cell missing", "cell_cdfs must hold 60 entries");

  j = good;
  j["cell_cdfs"][5].erase(j["cell_cdfs"][5].begin());
  write(j.dump());
  expect_rejected("short CDF", "cell_cdfs[5] must be empty or hold 51 values");

  j = good;
  j["cell_cdfs"][3][10] = 2.0;
  write(j.dump());
  expect_rejected("non-monotone CDF", "cell_cdfs[3] is not non-decreasing");

  j = good;
  j["cell_counts"][0] = -1;
  write(j.dump());
  expect_rejected("negative count", "cell_counts[0]");

  j = good;
  j["config"]["mass_bins"] = 49;
  write(j.dump());
  expect_rejected("config inconsistent with CDFs", "must be empty or hold 50 values");

  j = good;
  j["config"]["mass_bins"] = 1;
  write(j.dump());
  expect_rejected("bad config", "mass_bins must be an integer in [2, 100000]");

  j = good;
  j["mass_range_gev"] = {5.0, 1.0};
  write(j.dump());
  expect_rejected("bad range", "mass_range_gev");

  j = good;
  j.erase("log10_pt_range");
  write(j.dump());
  expect_rejected("missing key", "missing key 'log10_pt_range'");

  j = good;
  j["version"] = 99;
  write(j.dump());
  expect_rejected("future version", "unsupported version");

  HistogramTemplate loaded(HistogramTemplateConfig{});
  EXPECT_EQ(loaded.Load(dir + "/no-such-dir").code(), absl::StatusCode::kNotFound);
}

TEST(HistogramTemplateTest, ConfigFromJsonValidatesAndNamesTheField) {
  absl::StatusOr<HistogramTemplateConfig> c =
      HistogramTemplateConfig::FromJson({{"abs_eta_bins", 6},
                                         {"log_pt_bins", 20},
                                         {"mass_bins", 80},
                                         {"mass_max_gev", 400.0},
                                         {"pt_column", "jet_pt"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->abs_eta_bins, 6);
  EXPECT_EQ(c->log_pt_bins, 20);
  EXPECT_EQ(c->mass_bins, 80);
  EXPECT_EQ(c->mass_max_gev, 400.0);
  EXPECT_EQ(c->pt_column, "jet_pt");
  EXPECT_EQ(c->eta_column, "eta");  // defaults kept
  absl::StatusOr<HistogramTemplateConfig> round = HistogramTemplateConfig::FromJson(c->ToJson());
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->ToJson(), c->ToJson());
  EXPECT_TRUE(HistogramTemplateConfig::FromJson(nlohmann::json::object()).ok());
  EXPECT_EQ(HistogramTemplateConfig::FromJson(HistogramTemplateConfig{}.ToJson())->ToJson(),
            HistogramTemplateConfig{}.ToJson());

  const auto expect_error = [](const nlohmann::json& j, const std::string& message) {
    absl::StatusOr<HistogramTemplateConfig> r = HistogramTemplateConfig::FromJson(j);
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(HasText(std::string(r.status().message()), message)) << j.dump();
  };
  expect_error({{"mass_bins", 1}},
               "config.mass_bins must be an integer in [2, 100000], got 1");
  expect_error({{"mass_bins", 100001}}, "mass_bins must be an integer in [2, 100000]");
  expect_error({{"mass_bins", 50.5}}, "mass_bins must be an integer");
  expect_error({{"abs_eta_bins", 0}}, "abs_eta_bins must be an integer in [1, 100], got 0");
  expect_error({{"abs_eta_bins", "4"}}, "abs_eta_bins must be an integer in [1, 100], got \"4\"");
  expect_error({{"log_pt_bins", 1001}}, "log_pt_bins must be an integer in [1, 1000]");
  expect_error({{"log_pt_bins", 18446744073709551615ull}}, "log_pt_bins must be an integer");
  expect_error({{"abs_eta_max", 0}}, "abs_eta_max must be a number in (0, 10], got 0");
  expect_error({{"abs_eta_max", 10.5}}, "abs_eta_max must be a number in (0, 10]");
  expect_error({{"pt_min_gev", "200"}}, "pt_min_gev must be a finite number");
  expect_error({{"mass_max_gev", true}}, "mass_max_gev must be a finite number");
  expect_error({{"pt_column", ""}}, "pt_column must be a non-empty string");
  expect_error({{"mass_column", 3}}, "mass_column must be a non-empty string");
  expect_error({{"bins", 4}}, "unknown key 'config.bins'");
  expect_error({{"pt_min_gev", 500}, {"pt_max_gev", 200}},
               "pt_max_gev must be greater than pt_min_gev");
  expect_error({{"mass_min_gev", 50}, {"mass_max_gev", 10}},
               "mass_max_gev must be greater than mass_min_gev");
  expect_error({{"eta_column", "pt_gev"}}, "must differ");
  expect_error({{"log_pt_bins", 1000}, {"abs_eta_bins", 100}, {"mass_bins", 100}},
               "abs_eta_bins * log_pt_bins * mass_bins must be at most");
  expect_error(nlohmann::json::array({1, 2}), "must be a JSON object");
}

TEST(HistogramTemplateTest, FitAndSampleErrors) {
  HistogramTemplate model(HistogramTemplateConfig{});
  // Before Fit or Load.
  EXPECT_EQ(model.SampleFor(Kinematics(3, 1), 1, 0).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(model.Save(MakeTempDir()).code(), absl::StatusCode::kFailedPrecondition);

  Table no_mass({"pt_gev", "eta"});
  no_mass.AppendRow({300.f, 0.f});
  absl::Status s = model.Fit(no_mass, FitContext{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(std::string(s.message()), "'mass_gev'"));

  s = model.Fit(Table({"pt_gev", "eta", "mass_gev"}), FitContext{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(std::string(s.message()), "no rows"));

  Table nan({"pt_gev", "eta", "mass_gev"});
  nan.AppendRow({300.f, std::nanf(""), 10.f});
  s = model.Fit(nan, FitContext{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(std::string(s.message()), "row 0"));

  Table outside({"pt_gev", "eta", "mass_gev"});
  outside.AppendRow({300.f, 2.5f, 10.f});
  s = model.Fit(outside, FitContext{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(std::string(s.message()), "none of the 1 training jets"));

  HistogramTemplateConfig bad;
  bad.mass_bins = 1;
  HistogramTemplate bad_model(bad);
  s = bad_model.Fit(TruthJets(10, 1), FitContext{});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(std::string(s.message()), "mass_bins"));

  ASSERT_TRUE(model.Fit(TruthJets(1000, 1), FitContext{}).ok());
  Table no_eta({"pt_gev"});
  no_eta.AppendRow({300.f});
  absl::StatusOr<Table> out = model.SampleFor(no_eta, 1, 0);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasText(std::string(out.status().message()), "'eta'"));
  EXPECT_EQ(model.SampleFor(Kinematics(3, 1), 1, -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  Table nan_conditions({"pt_gev", "eta"});
  nan_conditions.AppendRow({std::nanf(""), 0.f});
  EXPECT_EQ(model.SampleFor(nan_conditions, 1, 0).status().code(), absl::StatusCode::kInvalidArgument);
  // An empty conditions table gives an empty sample.
  absl::StatusOr<Table> none = model.SampleFor(Table({"pt_gev", "eta"}), 1, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->num_rows(), 0);
  EXPECT_EQ(none->num_columns(), 3);
}

TEST(HistogramTemplateTest, ReportsProgressAndHonoursCancellation) {
  const Table train = TruthJets(200000, 10);
  std::vector<TrainingProgress> reports;
  FitContext ctx;
  ctx.on_progress = [&reports](const TrainingProgress& p) { reports.push_back(p); };
  HistogramTemplate model(TruthConfig());
  ASSERT_TRUE(model.Fit(train, ctx).ok());
  ASSERT_GE(reports.size(), 3u);
  for (size_t i = 1; i < reports.size(); ++i) {
    EXPECT_GT(reports[i].step, reports[i - 1].step);
    EXPECT_EQ(reports[i].total_steps, reports[0].total_steps);
  }
  EXPECT_EQ(reports.back().step, reports.back().total_steps);
  EXPECT_TRUE(HasText(reports.back().message, "200000 jets"));

  // Cancelled after the first progress report: Cancelled, and the model keeps
  // its previous state.
  const Table conditions = Kinematics(100, 1);
  absl::StatusOr<Table> before = model.SampleFor(conditions, 1, 0);
  int polls = 0;
  FitContext cancel;
  cancel.cancelled = [&polls] { return ++polls > 1; };
  const absl::Status s = model.Fit(TruthJets(200000, 99), cancel);
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  absl::StatusOr<Table> after = model.SampleFor(conditions, 1, 0);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(before->values(), after->values());

  HistogramTemplate fresh(TruthConfig());
  FitContext at_once;
  at_once.cancelled = [] { return true; };
  EXPECT_EQ(fresh.Fit(train, at_once).code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(fresh.SampleFor(conditions, 1, 0).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HistogramTemplateTest, WeightedTrainingJetsShapeTheTemplate) {
  HistogramTemplateConfig config;
  config.abs_eta_bins = 1;
  config.log_pt_bins = 1;
  config.mass_bins = 2;
  config.mass_max_gev = 2;
  HistogramTemplate model(config);
  Table train({"pt_gev", "eta", "mass_gev"});
  train.AppendRow({300.f, 0.f, 0.5f});  // bin 0, weight 3
  train.AppendRow({300.f, 0.f, 1.5f});  // bin 1, weight 1
  ASSERT_TRUE(train.SetWeights({3.f, 1.f}).ok());
  ASSERT_TRUE(model.Fit(train, FitContext{}).ok());
  const Table conditions = Kinematics(40000, 2);
  absl::StatusOr<Table> out = model.SampleFor(conditions, 1, 0);
  ASSERT_TRUE(out.ok());
  int64_t low = 0;
  for (int64_t r = 0; r < out->num_rows(); ++r) low += out->at(r, 2) < 1.f;
  // 3/4 in the first bin; binomial sigma is 0.0022.
  EXPECT_NEAR(static_cast<double>(low) / out->num_rows(), 0.75, 0.011);
}

}  // namespace
}  // namespace evgen
