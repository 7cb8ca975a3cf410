// Unfolding through a real evgend and the real CLI (issue 16): drell-yan
// truth/detector pairs, a cINN from the detector to the generator level,
// posterior samples for held-out events by reusing their conditions, and the
// calibration metric and report on them; scripts/unfold-results.sh is the
// same chain at full size.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include "core/io/atomic_file.h"
#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

constexpr int kHeldOut = 1000;
constexpr int kSamples = 20;

class UnfoldTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("evgen-unfold"));
    auto server = EvgendProcess::Start(*dir_ + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    const std::vector<std::string> ratios = {"--column", "log_ratio_pt1 = log(pt1_gen / pt1)", "--column",
                                             "log_ratio_pt2 = log(pt2_gen / pt2)"};
    for (const auto& [name, n, seed] : {std::tuple{"pairs", "20000", "1"}, std::tuple{"heldout-pairs", "1000", "2"}}) {
      CliResult g = Cli({"datasets", "generate", "drell-yan", "-n", n, "--seed", seed, "-O", "truth=1", "-O",
                         "cms_selection=1", "--name", name});
      ASSERT_EQ(g.code, 0) << g.err;
      std::vector<std::string> derive = {"datasets", "derive", name, "--name",
                                         std::string(name) == "pairs" ? "train" : "heldout"};
      derive.insert(derive.end(), ratios.begin(), ratios.end());
      CliResult d = Cli(derive);
      ASSERT_EQ(d.code, 0) << d.err;
    }
    CliResult train = Cli({"train", "cinn", "--dataset", "train", "--name", "unfold", "--config",
                           R"({"preset": "drell-yan-unfold-cinn-small", "steps": 400})", "--seed", "1", "--wait"});
    ASSERT_EQ(train.code, 0) << train.err << train.out;
    const std::string posterior = *dir_ + "/posterior.npy";
    CliResult sample = Cli({"sample", std::to_string(kHeldOut * kSamples), "--model", "unfold", "--conditions-from",
                            "heldout", "--keep", "pt1", "--keep", "pt2", "--seed", "3", "-o", posterior});
    ASSERT_EQ(sample.code, 0) << sample.err;
    ASSERT_EQ(Cli({"datasets", "upload", posterior, "--name", "posterior"}).code, 0);
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static CliResult Cli(const std::vector<std::string>& args) { return RunCliCapture(server_->address(), args); }

  // Calibration runs the metric on pT_gen = pT * exp(candidate) and returns
  // the JSON result.
  static nlohmann::json Calibration(const std::string& pt1_gen, const std::string& pt2_gen) {
    CliResult r = Cli({"--json", "metrics", "compare", "heldout", "posterior", "-m", "calibration", "-O",
                       "columns=pt1_gen,pt2_gen", "--candidate-column", "pt1_gen = " + pt1_gen,
                       "--candidate-column", "pt2_gen = " + pt2_gen});
    EXPECT_EQ(r.code, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_object() ? j["results"][0] : nlohmann::json::object();
  }

  static std::string* dir_;
  static EvgendProcess* server_;
};

std::string* UnfoldTest::dir_ = nullptr;
EvgendProcess* UnfoldTest::server_ = nullptr;

TEST_F(UnfoldTest, PosteriorCalibrationBeatsTheDetectorValueAsAPointPosterior) {
  const nlohmann::json model = Calibration("pt1 * exp(log_ratio_pt1)", "pt2 * exp(log_ratio_pt2)");
  ASSERT_TRUE(model.contains("details_json")) << model.dump();
  const nlohmann::json& d = model["details_json"];
  EXPECT_EQ(d["events"], kHeldOut);
  EXPECT_EQ(d["samples_per_event"], kSamples);
  ASSERT_EQ(d["curves"].size(), 2u);
  EXPECT_EQ(d["curves"][0]["coverage"].size(), 10u);
  std::cout << "calibration of a 400-step cINN, " << kHeldOut << " events x " << kSamples
            << " samples: " << model["value"] << "\n";
  // Loose: 400 steps and 1000 events (binomial error 0.016 at the median).
  EXPECT_LT(model["value"].get<double>(), 0.1);
  // No unfolding: every sample is the detector pT, so the coverage is the
  // same fraction (about 0.4) at every level.
  const nlohmann::json detector = Calibration("pt1", "pt2");
  EXPECT_GT(detector["value"].get<double>(), 0.3);
  // The same seed gives the same posterior, hence the same figure.
  const std::string again = *dir_ + "/posterior-again.npy";
  ASSERT_EQ(Cli({"sample", std::to_string(kHeldOut * kSamples), "--model", "unfold", "--conditions-from", "heldout",
                 "--keep", "pt1", "--keep", "pt2", "--seed", "3", "-o", again})
                .code,
            0);
  EXPECT_EQ(*ReadFileToString(*dir_ + "/posterior.npy"), *ReadFileToString(again));
}

TEST_F(UnfoldTest, TheReportShowsTheCalibrationCurves) {
  const std::string html = *dir_ + "/unfold.html";
  CliResult r = Cli({"report", "heldout", "posterior", "-m", "calibration", "-O", "calibration.columns=pt1_gen,pt2_gen",
                     "--candidate-column", "pt1_gen = pt1 * exp(log_ratio_pt1)", "--candidate-column",
                     "pt2_gen = pt2 * exp(log_ratio_pt2)", "--columns", "pt1_gen,pt2_gen", "-o", html});
  ASSERT_EQ(r.code, 0) << r.err;
  absl::StatusOr<std::string> page = ReadFileToString(html);
  ASSERT_TRUE(page.ok());
  EXPECT_NE(page->find("<h2>Posterior calibration</h2>"), std::string::npos);
  EXPECT_NE(page->find("data-column='pt1_gen'"), std::string::npos);
  EXPECT_NE(page->find("data-column='pt2_gen'"), std::string::npos);
}

TEST_F(UnfoldTest, BadInputsAreRefusedNamingTheField) {
  CliResult truth = Cli({"datasets", "generate", "drell-yan", "-n", "10", "-O", "truth=2", "--name", "bad"});
  EXPECT_NE(truth.code, 0);
  EXPECT_NE(truth.err.find("options.truth"), std::string::npos) << truth.err;
  // A posterior that is not K samples per truth: the 1000 held-out events
  // as the "posterior" of the 20000 posterior rows.
  CliResult rows = Cli({"metrics", "compare", "posterior", "heldout", "-m", "calibration", "-O", "columns=pt1"});
  EXPECT_NE(rows.code, 0);
  EXPECT_NE(rows.err.find("K * 20000 rows"), std::string::npos) << rows.err;
  CliResult levels = Cli({"metrics", "compare", "heldout", "posterior", "-m", "calibration", "-O", "levels=1"});
  EXPECT_NE(levels.code, 0);
  EXPECT_NE(levels.err.find("metrics.options.levels"), std::string::npos) << levels.err;
}

}  // namespace
}  // namespace evgen::testing
