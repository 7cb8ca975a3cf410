#include "core/physics/qcd_multijet.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/physics/regions.h"
#include "gtest/gtest.h"

// The statistical expectations below are the trends documented in
// docs/physics.md ("QCD multijet reference simulator"). The sample is seeded,
// so every check is deterministic, but the margins are several standard
// deviations wide so that they would hold for any seed.

namespace evgen {
namespace {

constexpr int64_t kEvents = 40000;
constexpr uint64_t kSeed = 20190607;

struct JetRow {
  int64_t event;
  int jet;
  float pt_gev;
  float eta;
  float phi;
  float n_track;
  float mass_gev;
  bool gluon;
  int region;
};

std::vector<JetRow> Rows(const Table& table) {
  std::vector<JetRow> rows;
  rows.reserve(table.num_rows());
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    const float* v = table.row(r);
    rows.push_back({static_cast<int64_t>(v[0]), static_cast<int>(v[1]), v[2], v[3], v[4], v[5],
                    v[6], v[7] > 0.5f, static_cast<int>(v[8])});
  }
  return rows;
}

// Moments accumulates the sums for means and a Pearson correlation.
struct Moments {
  double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  void Add(double x, double y) {
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  double MeanX() const { return sx / n; }
  double MeanY() const { return sy / n; }
  double Correlation() const {
    const double cov = sxy / n - MeanX() * MeanY();
    return cov / std::sqrt((sxx / n - MeanX() * MeanX()) * (syy / n - MeanY() * MeanY()));
  }
};

bool InSlice(const JetRow& j, double lo, double hi) { return j.pt_gev >= lo && j.pt_gev < hi; }

double GluonFraction(const std::vector<JetRow>& rows, double lo, double hi, int region = -1) {
  double gluons = 0, all = 0;
  for (const JetRow& j : rows) {
    if (!InSlice(j, lo, hi) || (region >= 0 && j.region != region)) continue;
    all += 1;
    gluons += j.gluon ? 1 : 0;
  }
  return gluons / all;
}

// MeanOf returns the mean of field(j) over the jets of the pT slice, quarks
// (flavour 0), gluons (1) or both (-1).
template <typename Field>
double MeanOf(const std::vector<JetRow>& rows, double lo, double hi, int flavour, Field field) {
  double sum = 0, n = 0;
  for (const JetRow& j : rows) {
    if (!InSlice(j, lo, hi) || (flavour >= 0 && j.gluon != (flavour == 1))) continue;
    sum += field(j);
    n += 1;
  }
  return sum / n;
}

double Tracks(const JetRow& j) { return j.n_track; }
double Mass(const JetRow& j) { return j.mass_gev; }

class QcdMultijetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    QcdMultijetConfig cfg;
    cfg.n_events = kEvents;
    cfg.seed = kSeed;
    absl::StatusOr<Table> jets = GenerateQcdMultijet(cfg);
    ASSERT_TRUE(jets.ok()) << jets.status();
    table_ = new Table(*std::move(jets));
    rows_ = new std::vector<JetRow>(Rows(*table_));
  }
  static void TearDownTestSuite() {
    delete rows_;
    delete table_;
    rows_ = nullptr;
    table_ = nullptr;
  }

  static const Table& table() { return *table_; }
  static const std::vector<JetRow>& rows() { return *rows_; }

 private:
  static Table* table_;
  static std::vector<JetRow>* rows_;
};

Table* QcdMultijetTest::table_ = nullptr;
std::vector<JetRow>* QcdMultijetTest::rows_ = nullptr;

TEST_F(QcdMultijetTest, HasTheDocumentedColumns) {
  EXPECT_EQ(table().columns(), QcdMultijetColumns());
  EXPECT_FALSE(table().has_weights());
}

TEST_F(QcdMultijetTest, EveryJetIsInsideTheAcceptance) {
  for (const JetRow& j : rows()) {
    ASSERT_GT(j.pt_gev, 200.f) << "event " << j.event;
    ASSERT_LT(std::fabs(j.eta), 2.f) << "event " << j.event;
    ASSERT_GT(j.mass_gev, 0.f) << "event " << j.event;
    ASSERT_LT(j.mass_gev, j.pt_gev) << "event " << j.event;
    ASSERT_GE(j.phi, -3.1416f);
    ASSERT_LE(j.phi, 3.1416f);
    ASSERT_GE(j.n_track, 0.f);
    ASSERT_EQ(j.n_track, std::floor(j.n_track));
    ASSERT_GE(j.region, 0);
    ASSERT_LE(j.region, 3);
  }
}

TEST_F(QcdMultijetTest, EventsHaveThreeToSevenConsecutivePtOrderedJets) {
  const std::vector<JetRow>& jets = rows();
  int64_t expected_event = 0;
  size_t r = 0;
  while (r < jets.size()) {
    ASSERT_EQ(jets[r].event, expected_event);
    size_t end = r;
    while (end < jets.size() && jets[end].event == expected_event) {
      ASSERT_EQ(jets[end].jet, static_cast<int>(end - r)) << "event " << expected_event;
      if (end > r) {
        ASSERT_LE(jets[end].pt_gev, jets[end - 1].pt_gev) << "event " << expected_event;
      }
      ASSERT_EQ(jets[end].region, jets[r].region) << "event " << expected_event;
      ++end;
    }
    const size_t n = end - r;
    ASSERT_GE(n, 3u) << "event " << expected_event;
    ASSERT_LE(n, 7u) << "event " << expected_event;
    r = end;
    ++expected_event;
  }
  EXPECT_EQ(expected_event, kEvents);
}

TEST_F(QcdMultijetTest, RegionColumnEqualsClassifyRegionOfTheEventsJets) {
  const std::vector<JetRow>& jets = rows();
  int64_t checked = 0;
  for (size_t r = 0; r < jets.size();) {
    size_t end = r;
    while (end < jets.size() && jets[end].event == jets[r].event) ++end;
    RegionEvent event;
    event.n_jets = static_cast<int>(end - r);
    event.leading_pt_gev = jets[r].pt_gev;
    event.abs_delta_eta_12 =
        std::fabs(static_cast<double>(jets[r].eta) - static_cast<double>(jets[r + 1].eta));
    for (size_t i = r; i < std::min(end, r + 4); ++i) {
      event.sum_mass_leading4_gev += jets[i].mass_gev;
    }
    ASSERT_EQ(jets[r].region, static_cast<int>(ClassifyRegion(event))) << "event " << jets[r].event;
    ++checked;
    r = end;
  }
  EXPECT_EQ(checked, kEvents);
}

TEST_F(QcdMultijetTest, MultiplicityFallsGeometrically) {
  // P(n) ~ 0.45^(n-3): P(3) = 0.560, P(4) / P(3) = 0.45. An event's last row
  // is the one followed by a jet 0 (or by the end of the table).
  std::vector<double> events_with(8, 0);
  const std::vector<JetRow>& jets = rows();
  for (size_t r = 0; r < jets.size(); ++r) {
    if (r + 1 == jets.size() || jets[r + 1].jet == 0) events_with[jets[r].jet + 1] += 1;
  }
  const double p3 = events_with[3] / kEvents;
  EXPECT_NEAR(p3, 0.560, 0.015);
  EXPECT_NEAR(events_with[4] / events_with[3], 0.45, 0.03);
  EXPECT_NEAR(events_with[5] / events_with[4], 0.45, 0.04);
  EXPECT_GT(events_with[7], 0);
}

TEST_F(QcdMultijetTest, GluonFractionFallsWithPt) {
  const double low = GluonFraction(rows(), 200, 250);
  const double mid = GluonFraction(rows(), 400, 600);
  const double high = GluonFraction(rows(), 600, 1e9);
  // Documented: f_g = 0.75 - 0.174 ln(pT / 200 GeV) + 0.05 (n - 3).
  EXPECT_GT(low, 0.72);
  EXPECT_LT(low, 0.84);
  EXPECT_GT(low - mid, 0.08);
  EXPECT_GT(mid - high, 0.03);
}

TEST_F(QcdMultijetTest, GluonsHaveAboutOneAndAHalfTimesTheQuarkTracks) {
  const double quark = MeanOf(rows(), 200, 300, 0, Tracks);
  const double gluon = MeanOf(rows(), 200, 300, 1, Tracks);
  // Documented: <N>_g / <N>_q = 1 + 0.4 (C_A / C_F - 1) = 1.5; <N>_q ~ 20 at 200 GeV.
  EXPECT_NEAR(gluon / quark, 1.5, 0.06);
  EXPECT_GT(quark, 18.0);
  EXPECT_LT(quark, 23.0);
}

TEST_F(QcdMultijetTest, TracksRiseSlowlyWithPt) {
  for (int flavour : {0, 1}) {
    SCOPED_TRACE(flavour);
    const double low = MeanOf(rows(), 200, 250, flavour, Tracks);
    const double high = MeanOf(rows(), 400, 600, flavour, Tracks);
    // Documented: 1 + 0.25 ln(pT / 200 GeV) gives about +17% from 220 to 480 GeV.
    EXPECT_GT(high / low, 1.10);
    EXPECT_LT(high / low, 1.25);
  }
}

TEST_F(QcdMultijetTest, MassRisesWithPtAndGluonsAreHeavier) {
  const double slices[][2] = {{200, 250}, {250, 300}, {300, 400}, {400, 600}};
  double previous = 0;
  for (const auto& slice : slices) {
    SCOPED_TRACE(slice[0]);
    const double all = MeanOf(rows(), slice[0], slice[1], -1, Mass);
    const double quark = MeanOf(rows(), slice[0], slice[1], 0, Mass);
    const double gluon = MeanOf(rows(), slice[0], slice[1], 1, Mass);
    EXPECT_GT(all, previous * 1.08);
    EXPECT_GT(gluon, 1.3 * quark);
    previous = all;
  }
}

TEST_F(QcdMultijetTest, MassPeaksAtAFewPercentOfPtWithALongTail) {
  std::vector<double> quark, gluon;
  for (const JetRow& j : rows()) {
    if (!InSlice(j, 200, 300)) continue;
    (j.gluon ? gluon : quark).push_back(j.mass_gev / j.pt_gev);
  }
  auto quantile = [](std::vector<double> v, double q) {
    std::nth_element(v.begin(), v.begin() + static_cast<int64_t>(q * v.size()), v.end());
    return v[static_cast<size_t>(q * v.size())];
  };
  // Documented: median m / pT about 0.085 (quarks) and 0.16 (gluons) at 200-300 GeV.
  EXPECT_GT(quantile(quark, 0.5), 0.05);
  EXPECT_LT(quantile(quark, 0.5), 0.15);
  EXPECT_GT(quantile(gluon, 0.5), 1.4 * quantile(quark, 0.5));
  // Long high tail: the 95% quantile is several times the median.
  EXPECT_GT(quantile(quark, 0.95), 2.5 * quantile(quark, 0.5));
}

TEST_F(QcdMultijetTest, TracksAndMassCorrelateWithinQuarksAtFixedPt) {
  // The shared shower activity correlates N and m beyond the flavour label.
  Moments quark, gluon;
  for (const JetRow& j : rows()) {
    if (!InSlice(j, 250, 300)) continue;
    (j.gluon ? gluon : quark).Add(j.n_track, j.mass_gev);
  }
  ASSERT_GT(quark.n, 2000);
  EXPECT_GT(quark.Correlation(), 0.1);
  EXPECT_GT(gluon.Correlation(), 0.1);
}

TEST_F(QcdMultijetTest, ValidationRegionIsMoreGluonRichThanControlAtTheSamePt) {
  const int control = static_cast<int>(Region::kControl);
  const int validation = static_cast<int>(Region::kValidation);
  const double f_control = GluonFraction(rows(), 200, 300, control);
  const double f_validation = GluonFraction(rows(), 200, 300, validation);
  // Documented: +0.05 per jet beyond three; validation events have ~5 jets.
  EXPECT_GT(f_validation - f_control, 0.06);
}

TEST_F(QcdMultijetTest, RegionsArePopulatedAsDocumented) {
  double control = 0, validation = 0, validation_jets = 0;
  for (const JetRow& j : rows()) {
    if (j.region == static_cast<int>(Region::kValidation)) validation_jets += 1;
    if (j.jet != 0) continue;
    if (j.region == static_cast<int>(Region::kControl)) control += 1;
    if (j.region == static_cast<int>(Region::kValidation)) validation += 1;
  }
  EXPECT_NEAR(control / kEvents, 0.56, 0.015);
  EXPECT_NEAR(validation / kEvents, 0.058, 0.008);
  EXPECT_GT(validation_jets / validation, 4.5);  // mostly >= 5-jet events
}

TEST(QcdMultijetDeterminismTest, SameSeedGivesIdenticalValues) {
  QcdMultijetConfig cfg;
  cfg.n_events = 3000;
  cfg.seed = 7;
  absl::StatusOr<Table> a = GenerateQcdMultijet(cfg);
  absl::StatusOr<Table> b = GenerateQcdMultijet(cfg);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->values(), b->values());
}

TEST(QcdMultijetDeterminismTest, DifferentSeedsDiffer) {
  QcdMultijetConfig cfg;
  cfg.n_events = 3000;
  cfg.seed = 7;
  absl::StatusOr<Table> a = GenerateQcdMultijet(cfg);
  cfg.seed = 8;
  absl::StatusOr<Table> b = GenerateQcdMultijet(cfg);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_NE(a->values(), b->values());
  // Not just a few values: the leading-jet pT of most events changes.
  int64_t same = 0;
  const int64_t n = std::min(a->num_rows(), b->num_rows());
  for (int64_t r = 0; r < n; ++r) same += a->at(r, 2) == b->at(r, 2) ? 1 : 0;
  EXPECT_LT(same, n / 100);
}

TEST(QcdMultijetDeterminismTest, AnEventDependsOnlyOnSeedAndEventIndex) {
  QcdMultijetConfig cfg;
  cfg.seed = 11;
  cfg.n_events = 500;
  absl::StatusOr<Table> small = GenerateQcdMultijet(cfg);
  cfg.n_events = 2000;
  absl::StatusOr<Table> large = GenerateQcdMultijet(cfg);
  ASSERT_TRUE(small.ok()) << small.status();
  ASSERT_TRUE(large.ok()) << large.status();
  ASSERT_LT(small->num_rows(), large->num_rows());
  const std::vector<float>& s = small->values();
  const std::vector<float>& l = large->values();
  EXPECT_TRUE(std::equal(s.begin(), s.end(), l.begin()));
  // The next row starts event 500.
  EXPECT_EQ(large->at(small->num_rows(), 0), 500.f);
}

TEST(QcdMultijetConfigTest, RejectsOutOfRangeEventCounts) {
  for (int64_t n : {int64_t{0}, int64_t{-5}, (int64_t{1} << 24) + 1}) {
    QcdMultijetConfig cfg;
    cfg.n_events = n;
    absl::StatusOr<Table> jets = GenerateQcdMultijet(cfg);
    ASSERT_FALSE(jets.ok()) << n;
    EXPECT_EQ(jets.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(jets.status().message().find("n_events"), absl::string_view::npos);
    EXPECT_NE(jets.status().message().find("[1, 16777216]"), absl::string_view::npos)
        << jets.status();
  }
}

TEST(QcdMultijetConfigTest, RejectsEnergiesBelowThreeJetThreshold) {
  for (double sqrt_s : {600.0, 100.0, -1.0, 0.0, std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(), 2e6}) {
    QcdMultijetConfig cfg;
    cfg.n_events = 10;
    cfg.sqrt_s_gev = sqrt_s;
    absl::StatusOr<Table> jets = GenerateQcdMultijet(cfg);
    ASSERT_FALSE(jets.ok()) << sqrt_s;
    EXPECT_EQ(jets.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(jets.status().message().find("sqrt_s_gev"), absl::string_view::npos) << jets.status();
  }
}

TEST(QcdMultijetConfigTest, LowEnergyRespectsTheKinematicLimit) {
  // At sqrt(s) = 1 TeV no jet can exceed x_T = 1, i.e. 500 GeV of true pT;
  // allow the detector smearing on top.
  QcdMultijetConfig cfg;
  cfg.n_events = 2000;
  cfg.sqrt_s_gev = 1000.0;
  absl::StatusOr<Table> jets = GenerateQcdMultijet(cfg);
  ASSERT_TRUE(jets.ok()) << jets.status();
  for (int64_t r = 0; r < jets->num_rows(); ++r) {
    ASSERT_GT(jets->at(r, 2), 200.f);
    ASSERT_LT(jets->at(r, 2), 500.f * 1.4f);
  }
}

}  // namespace
}  // namespace evgen
