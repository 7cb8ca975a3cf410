// MetricsService through a real evgend: every registered metric runs on real
// reference tables; EvaluateModel samples a model and scores it.
#include <gtest/gtest.h>

#include <filesystem>

#include "client/evgen_client.h"
#include "nlohmann/json.hpp"
#include "tests/integration/evgend_process.h"

namespace evgen::testing {
namespace {

class MetricsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("evgen-metrics"));
    auto server = EvgendProcess::Start(*dir_ + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    for (const char* seed : {"1", "2"}) {
      ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "ttbar-allhad", "-n", "20000", "--seed",
                                                   seed, "--name", std::string("tt") + seed}).code, 0);
      ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "qcd-multijet", "-n", "10000", "--seed",
                                                   seed, "--name", std::string("qcd") + seed}).code, 0);
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  static absl::StatusOr<v1::MetricResult> Metric(const std::string& reference, const std::string& candidate,
                                                 const std::string& name,
                                                 std::map<std::string, std::string> options = {}) {
    v1::CompareRequest r;
    r.mutable_reference()->mutable_dataset()->set_dataset(reference);
    r.mutable_candidate()->mutable_dataset()->set_dataset(candidate);
    v1::MetricSpec* spec = r.add_metrics();
    spec->set_name(name);
    spec->mutable_options()->insert(options.begin(), options.end());
    r.set_seed(7);
    EvgenClient client(server_->address());
    absl::StatusOr<v1::CompareResponse> response = client.Compare(r);
    if (!response.ok()) return response.status();
    return response->results(0);
  }

  static std::string* dir_;
  static EvgendProcess* server_;
};

std::string* MetricsTest::dir_ = nullptr;
EvgendProcess* MetricsTest::server_ = nullptr;

TEST_F(MetricsTest, TwoSamplesOfOneSimulatorLookAlike) {
  auto peak = Metric("tt1", "tt2", "mass-peak", {{"particles", "p1,p2"}, {"lower_gev", "70"}, {"upper_gev", "90"}});
  ASSERT_TRUE(peak.ok()) << peak.status();
  EXPECT_LT(std::abs(peak->value()), 4 * peak->uncertainty() + 0.01);
  nlohmann::json fit = nlohmann::json::parse(peak->details_json());
  EXPECT_NEAR(fit["reference"]["position_gev"].get<double>(), 80.4, 0.1);
  EXPECT_NEAR(fit["reference"]["width_gev"].get<double>(), 2.085, 0.1);

  auto balance = Metric("tt1", "tt2", "momentum-balance", {{"particles", "p1,p2,p3,p4,p5,p6"}});
  ASSERT_TRUE(balance.ok()) << balance.status();
  EXPECT_LT(balance->value(), 1e-5);

  auto auc = Metric("tt1", "tt2", "classifier-auc", {{"columns", "p1_pz_gev,p3_e_gev,p6_px_gev"}, {"epochs", "5"}});
  ASSERT_TRUE(auc.ok()) << auc.status();
  EXPECT_NEAR(auc->value(), 0.5, 0.05);

  for (const char* name : {"wasserstein-1", "ks", "relative-mean-difference", "chi2", "correlations", "histograms"}) {
    auto m = Metric("tt1", "tt2", name, {{"columns", "p1_e_gev,p1_pz_gev,p4_px_gev"}});
    ASSERT_TRUE(m.ok()) << name << ": " << m.status();
    EXPECT_TRUE(std::isfinite(m->value())) << name;
  }
  auto rmd = Metric("tt1", "tt2", "relative-mean-difference", {{"columns", "p1_e_gev,p6_e_gev"}});
  ASSERT_TRUE(rmd.ok());
  EXPECT_LT(rmd->value(), 0.04) << "the dilepton paper's level";

  // Two independent samples: the ratio is 1 within its statistical error.
  auto sums = Metric("qcd1", "qcd2", "jet-mass-sum-ratio", {{"max_n_track", "40"}});
  ASSERT_TRUE(sums.ok()) << sums.status();
  nlohmann::json bins = nlohmann::json::parse(sums->details_json());
  int compared = 0;
  for (size_t i = 0; i < bins["ratio"].size(); ++i) {
    if (bins["ratio"][i].is_null() || bins["ratio_error"][i].get<double>() > 0.2) continue;
    ++compared;
    EXPECT_LT(std::abs(bins["ratio"][i].get<double>() - 1), 4 * bins["ratio_error"][i].get<double>()) << "bin " << i;
  }
  EXPECT_GE(compared, 2);
}

TEST_F(MetricsTest, KernelAndFrechetDistancesRunWithSmallSampleWarnings) {
  const std::string columns = "p1_e_gev,p2_pz_gev,p5_px_gev";
  auto mmd = Metric("tt1", "tt2", "mmd", {{"columns", columns}, {"max_samples", "500"}, {"bootstrap", "5"},
                                         {"sigma", "100"}});
  ASSERT_TRUE(mmd.ok()) << mmd.status();
  EXPECT_LT(std::abs(mmd->value()), 3 * mmd->uncertainty() + 1e-3);
  auto fpd = Metric("tt1", "tt2", "fpd", {{"columns", columns}, {"min_samples", "2000"}, {"max_samples", "5000"}});
  ASSERT_TRUE(fpd.ok()) << fpd.status();
  EXPECT_GE(fpd->value(), 0.0);
  EXPECT_FALSE(fpd->warnings().empty()) << "below the recommended 50k rows must be flagged";
  auto kpd = Metric("tt1", "tt2", "kpd", {{"columns", columns}, {"batch_size", "1000"}, {"num_batches", "5"}});
  ASSERT_TRUE(kpd.ok()) << kpd.status();
  EXPECT_LT(std::abs(kpd->value()), 3 * kpd->uncertainty() + 1e-3);
  // Two samples of one simulator: FD near 0 relative to the features' scale (~100 GeV).
  auto fd = Metric("tt1", "tt2", "frechet-distance", {{"columns", columns}});
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_GE(fd->value(), 0.0);
  EXPECT_LT(fd->value(), 100.0);
}

TEST_F(MetricsTest, JetCloudMetricsSeparateTopFromQcdJets) {
  for (const char* fraction : {"0", "1"}) {
    ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "jet-clouds", "-n", "1500", "-O",
                                                 std::string("top_fraction=") + fraction, "--seed", "5", "--name",
                                                 std::string("jets") + fraction}).code, 0);
  }
  ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "jet-clouds", "-n", "1500", "-O",
                                               "top_fraction=1", "--seed", "6", "--name", "jets1b"}).code, 0);
  // JetNet's W1M: batched W1 of the jet mass.
  auto w1m_same = Metric("jets1", "jets1b", "wasserstein-1",
                         {{"columns", "jet_mass_gev"}, {"jet_level", "1"}, {"num_batches", "5"}, {"num_eval_samples", "5000"}});
  auto w1m_different = Metric("jets1", "jets0", "wasserstein-1",
                              {{"columns", "jet_mass_gev"}, {"jet_level", "1"}, {"num_batches", "5"}, {"num_eval_samples", "5000"}});
  ASSERT_TRUE(w1m_same.ok()) << w1m_same.status();
  ASSERT_TRUE(w1m_different.ok()) << w1m_different.status();
  EXPECT_GT(w1m_same->uncertainty(), 0.0);
  EXPECT_GT(w1m_different->value(), 5 * w1m_same->value());
  EXPECT_FALSE(w1m_same->warnings().empty());

  auto same = Metric("jets1", "jets1b", "w1-efp", {{"num_eval_samples", "1000"}});
  auto different = Metric("jets1", "jets0", "w1-efp", {{"num_eval_samples", "1000"}});
  ASSERT_TRUE(same.ok()) << same.status();
  ASSERT_TRUE(different.ok()) << different.status();
  EXPECT_GT(different->value(), 3 * same->value());
  EXPECT_FALSE(same->warnings().empty()) << "below 50k jets must be flagged";
  const std::map<std::string, std::string> fpd_options = {
      {"features", "efp"}, {"min_samples", "500"}, {"max_samples", "1500"}};
  auto fpd_same = Metric("jets1", "jets1b", "fpd", fpd_options);
  auto fpd_different = Metric("jets1", "jets0", "fpd", fpd_options);
  ASSERT_TRUE(fpd_same.ok()) << fpd_same.status();
  ASSERT_TRUE(fpd_different.ok()) << fpd_different.status();
  EXPECT_GT(fpd_different->value(), 3 * fpd_same->value() + 3 * fpd_same->uncertainty());
}

TEST_F(MetricsTest, DifferentSimulatorsAreTellable) {
  // ttbar at 13 TeV vs 7 TeV-like kinematics: the classifier must notice.
  ASSERT_EQ(RunCliCapture(server_->address(), {"datasets", "generate", "ttbar-allhad", "-n", "20000", "--sqrt-s",
                                               "2000", "--name", "tt-low"}).code, 0);
  auto auc = Metric("tt1", "tt-low", "classifier-auc", {{"columns", "p1_pz_gev,p3_e_gev,p6_pz_gev"}});
  ASSERT_TRUE(auc.ok()) << auc.status();
  EXPECT_GT(auc->value(), 0.6);
}

TEST_F(MetricsTest, BadOptionsAreRefusedNamingThem) {
  auto m = Metric("tt1", "tt2", "mass-peak");
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("particles"), std::string::npos);
  m = Metric("tt1", "tt2", "mass-peak", {{"particles", "p1"}, {"shape", "lorentz"}});
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  m = Metric("tt1", "tt2", "ks", {{"columns", "p1_e_gev,charm"}});
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("charm"), std::string::npos);
  m = Metric("tt1", "tt2", "histograms", {{"bins", "1"}});
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MetricsTest, FilesAboveTheInlineLimitStreamAsTemporaryDatasets) {
  ASSERT_EQ(RunCliCapture(server_->address(), {"train", "template", "--dataset", "qcd2", "--name", "big", "--wait"}).code, 0);
  // 1.6M rows x 3 float32 = 19 MB: above the 16 MiB inline limit.
  const std::string file = *dir_ + "/big.npy";
  ASSERT_EQ(RunCliCapture(server_->address(), {"sample", "1600000", "--model", "big", "--conditions-from", "qcd2",
                                               "--region", "validation", "-o", file}).code, 0);
  ASSERT_GT(std::filesystem::file_size(file), size_t{16} << 20);
  CliResult r = RunCliCapture(server_->address(), {"--json", "metrics", "compare", "qcd2:validation", file, "-m",
                                                   "wasserstein-1", "-O", "columns=mass_gev"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json response = nlohmann::json::parse(r.out);
  EXPECT_EQ(response["candidate_rows"], 1600000);
  EXPECT_LT(response["results"][0]["value"].get<double>(), 5.0) << "template masses vs their own reference, GeV";
  // The temporary dataset is gone afterwards.
  CliResult listed = RunCliCapture(server_->address(), {"datasets", "list"});
  EXPECT_EQ(listed.out.find("evgen-tmp-"), std::string::npos) << listed.out;
}

TEST_F(MetricsTest, EvaluateModelSamplesWithASeedAndScores) {
  ASSERT_EQ(RunCliCapture(server_->address(), {"train", "template", "--dataset", "qcd1", "--name", "tpl", "--wait"}).code, 0);
  v1::EvaluateModelRequest r;
  r.mutable_samples()->set_model("tpl");
  r.mutable_samples()->set_n(5000);
  r.mutable_samples()->set_seed(3);
  r.mutable_samples()->mutable_conditions_from()->set_dataset("qcd1");
  r.mutable_samples()->mutable_conditions_from()->set_region("validation");
  r.mutable_samples()->add_keep_columns("n_track");
  r.mutable_reference()->set_dataset("qcd1");
  r.mutable_reference()->set_region("validation");
  r.add_metrics()->set_name("separation-power");
  EvgenClient client(server_->address());
  absl::StatusOr<v1::CompareResponse> a = client.EvaluateModel(r);
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<v1::CompareResponse> b = client.EvaluateModel(r);
  ASSERT_TRUE(b.ok());
  EXPECT_GT(a->results(0).value(), 0.0);
  EXPECT_LT(a->results(0).value(), 0.3);
  EXPECT_EQ(a->results(0).value(), b->results(0).value()) << "same seed, same score";
}

// Model samples as a metric input take their conditions from another
// model too: the score is the one of the same rows streamed by Sample with
// the same conditions model and seed, and a conditional conditions model
// is refused naming the input's field.
TEST_F(MetricsTest, ModelSamplesWithConditionsFromAnotherModel) {
  const std::string address = server_->address();
  ASSERT_EQ(RunCliCapture(address, {"train", "template", "--dataset", "qcd1", "--name", "tpl2", "--wait"}).code, 0);
  CliResult flow = RunCliCapture(
      address, {"train", "flow-rqs", "--dataset", "qcd1", "--name", "kin", "--seed", "1", "--wait", "--config",
                R"({"target_columns": ["pt_gev", "eta"], "blocks": 2, "subnet": {"hidden": [8]}, "steps": 20})"});
  ASSERT_EQ(flow.code, 0) << flow.err;
  v1::EvaluateModelRequest r;
  r.mutable_samples()->set_model("tpl2");
  r.mutable_samples()->set_n(4000);
  r.mutable_samples()->set_seed(3);
  r.mutable_samples()->mutable_conditions_model()->set_model("kin");
  r.mutable_reference()->set_dataset("qcd2");
  v1::MetricSpec* w1 = r.add_metrics();
  w1->set_name("wasserstein-1");
  (*w1->mutable_options())["columns"] = "pt_gev,mass_gev";
  EvgenClient client(address);
  absl::StatusOr<v1::CompareResponse> evaluated = client.EvaluateModel(r);
  ASSERT_TRUE(evaluated.ok()) << evaluated.status();

  v1::SampleRequest sample;
  sample.set_model("tpl2");
  sample.set_n(4000);
  sample.set_seed(3);
  sample.mutable_conditions_model()->set_model("kin");
  const std::string file = *dir_ + "/tpl2.npy";
  v1::SampleChunk summary;
  ASSERT_TRUE(client.SampleToFile(sample, OutputFile{file}, &summary).ok());
  EXPECT_EQ(summary.conditions_model_version(), 1);
  ASSERT_EQ(RunCliCapture(address, {"datasets", "upload", file, "--name", "tpl2-sample"}).code, 0);
  absl::StatusOr<v1::MetricResult> uploaded =
      Metric("qcd2", "tpl2-sample", "wasserstein-1", {{"columns", "pt_gev,mass_gev"}});
  ASSERT_TRUE(uploaded.ok()) << uploaded.status();
  EXPECT_EQ(evaluated->results(0).value(), uploaded->value());

  r.mutable_samples()->mutable_conditions_model()->set_model("tpl2");
  absl::StatusOr<v1::CompareResponse> chained = client.EvaluateModel(r);
  EXPECT_EQ(chained.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(chained.status().message().find("samples.conditions_model: model 'tpl2' is itself conditional"),
            std::string::npos)
      << chained.status();
}

}  // namespace
}  // namespace evgen::testing
